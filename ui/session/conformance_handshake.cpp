#include "session/conformance_handshake.h"

#include <algorithm>
#include <utility>

#include "sockscope/core/extension_header.h"
#include "sockscope/core/handshake.h"

namespace sockscope::session::conformance {
namespace {

constexpr std::string_view kExtensions = "Sec-WebSocket-Extensions";
constexpr std::string_view kProtocol = "Sec-WebSocket-Protocol";

std::string substitute(std::string text, std::string_view name, std::string_view value) {
    for (std::size_t at = text.find(name); at != std::string::npos;
         at = text.find(name, at + value.size())) {
        text.replace(at, name.size(), value);
    }
    return text;
}

using Substitutions = std::vector<std::pair<std::string_view, std::string>>;

std::string substituteAll(std::string text, const Substitutions& substitutions) {
    for (const auto& [name, value] : substitutions) {
        text = substitute(std::move(text), name, value);
    }
    return text;
}

void removeField(HttpFields& fields, std::string_view name) {
    std::erase_if(fields.list,
                  [&](const HttpField& field) { return equalsIgnoreCase(field.name, name); });
}

void applyEdits(HttpFields& fields, const std::vector<std::string>& remove,
                const std::vector<HttpField>& replace, const std::vector<HttpField>& extra,
                const Substitutions& substitutions) {
    for (const std::string& name : remove) {
        removeField(fields, name);
    }
    for (const HttpField& field : replace) {
        const std::string value = substituteAll(field.value, substitutions);
        auto it = std::find_if(fields.list.begin(), fields.list.end(), [&](const HttpField& f) {
            return equalsIgnoreCase(f.name, field.name);
        });
        if (it == fields.list.end()) {
            fields.add(field.name, value);
        } else {
            it->value = value;
        }
    }
    for (const HttpField& field : extra) {
        fields.add(field.name, substituteAll(field.value, substitutions));
    }
}

std::string serializeFields(const HttpFields& fields) {
    std::string out;
    for (const HttpField& field : fields.list) {
        out += field.name + ": " + field.value + "\r\n";
    }
    return out + "\r\n";
}

std::vector<std::string> offersOf(const Script& script) {
    if (script.handshake.offers.empty() && script.needsDeflate) {
        return {std::string(kPermessageDeflate)};
    }
    return script.handshake.offers;
}

// The subprotocols the request offers, from the case's edits.
std::vector<std::string> offeredProtocols(const RequestSpec& request) {
    std::vector<std::string> out;
    for (const std::vector<HttpField>* list : {&request.replace, &request.extra}) {
        for (const HttpField& field : *list) {
            if (!equalsIgnoreCase(field.name, kProtocol)) {
                continue;
            }
            std::string_view rest = field.value;
            while (!rest.empty()) {
                const std::size_t comma = rest.find(',');
                std::string_view item = rest.substr(0, comma);
                while (!item.empty() && item.front() == ' ') {
                    item.remove_prefix(1);
                }
                while (!item.empty() && item.back() == ' ') {
                    item.remove_suffix(1);
                }
                if (!item.empty()) {
                    out.emplace_back(item);
                }
                rest =
                    comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
            }
        }
    }
    return out;
}

std::vector<DeflateClientOffer> validOffers(const std::vector<std::string>& offers) {
    std::vector<DeflateClientOffer> out;
    for (const std::string& offer : offers) {
        const ExtensionListParse parsed = parseExtensionList(offer);
        if (parsed.error) {
            continue;
        }
        for (const Extension& extension : parsed.extensions) {
            if (extension.name != kPermessageDeflate) {
                continue;
            }
            if (std::optional<DeflateClientOffer> valid = offerFromExtension(extension)) {
                out.push_back(*valid);
            }
        }
    }
    return out;
}

std::optional<int> windowBits(const std::optional<std::string>& value) {
    if (!value || value->empty() || value->size() > 2 || value->front() == '0' ||
        !std::all_of(value->begin(), value->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const int bits = std::stoi(*value);
    return bits >= 8 && bits <= 15 ? std::optional<int>(bits) : std::nullopt;
}

}  // namespace

std::optional<DeflateClientOffer> offerFromExtension(const Extension& offer) {
    if (offer.name != kPermessageDeflate) {
        return std::nullopt;
    }
    DeflateClientOffer out;
    out.clientMaxWindowBitsValueless = false;
    std::vector<std::string_view> seen;
    for (const ExtensionParam& param : offer.params) {
        if (std::find(seen.begin(), seen.end(), param.name) != seen.end()) {
            return std::nullopt;
        }
        seen.push_back(param.name);
        if (param.name == "server_no_context_takeover" ||
            param.name == "client_no_context_takeover") {
            if (param.value) {
                return std::nullopt;
            }
            (param.name[0] == 's' ? out.serverNoContextTakeover : out.clientNoContextTakeover) =
                true;
        } else if (param.name == "server_max_window_bits") {
            out.serverMaxWindowBits = windowBits(param.value);
            if (!out.serverMaxWindowBits) {
                return std::nullopt;
            }
        } else if (param.name == "client_max_window_bits") {
            if (!param.value) {
                out.clientMaxWindowBitsValueless = true;
                continue;
            }
            out.clientMaxWindowBits = windowBits(param.value);
            if (!out.clientMaxWindowBits) {
                return std::nullopt;
            }
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::string buildRequest(const Script& script, std::string_view host, std::string_view target,
                         std::string_view key) {
    const RequestSpec& spec = script.handshake.request;
    const Substitutions substitutions = {{"{host}", std::string(host)},
                                         {"{key}", std::string(key)},
                                         {"{target}", std::string(target)}};
    if (!spec.raw.empty()) {
        return substituteAll(spec.raw, substitutions);
    }
    HttpFields fields;
    fields.add("Host", std::string(host));
    fields.add("Upgrade", "websocket");
    fields.add("Connection", "Upgrade");
    fields.add("Sec-WebSocket-Key", std::string(key));
    fields.add("Sec-WebSocket-Version", "13");
    for (const std::string& offer : offersOf(script)) {
        fields.add(std::string(kExtensions), offer);
    }
    applyEdits(fields, spec.remove, spec.replace, spec.extra, substitutions);
    const std::string path = spec.target.empty() ? std::string(target) : spec.target;
    return spec.method + " " + path + " " + spec.version + "\r\n" + serializeFields(fields);
}

ResponseCheck checkResponse(const HttpResponse& response, const Script& script,
                            std::string_view key) {
    ResponseCheck check;
    HttpResponse withoutExtensions = response;
    removeField(withoutExtensions.fields, kExtensions);
    ClientHandshakeOptions options;
    options.subprotocols = offeredProtocols(script.handshake.request);
    const ClientHandshakeResult basic = checkServerResponse(withoutExtensions, options, key);
    if (basic.error) {
        check.error = std::string(basic.error->id()) + ": " + basic.error->detail;
        return check;
    }
    const std::string value = response.fields.combined(kExtensions);
    const ExtensionListParse parsed = parseExtensionList(value);
    if (parsed.error) {
        check.error = "malformed Sec-WebSocket-Extensions '" + value + "': " + *parsed.error;
        return check;
    }
    const std::vector<std::string> offers = offersOf(script);
    for (const Extension& extension : parsed.extensions) {
        if (extension.name != kPermessageDeflate) {
            check.error = "the server accepted the extension '" + extension.name +
                          "', which no server can know (it was offered to see it declined)";
            return check;
        }
        if (check.deflate) {
            check.error = "the server accepted permessage-deflate twice";
            return check;
        }
        std::string why = "no valid permessage-deflate offer was made";
        for (const DeflateClientOffer& offer : validOffers(offers)) {
            const DeflateNegotiation negotiation = checkDeflateResponse(extension, offer);
            if (negotiation.params) {
                check.deflate = negotiation.params;
                break;
            }
            why = negotiation.error.value_or("not acceptable");
        }
        if (!check.deflate) {
            check.error = "the server answered '" + formatExtension(extension) +
                          "', which accepts none of the valid offers: " + why;
            return check;
        }
    }
    check.upgraded = true;
    return check;
}

ResponsePlan planResponse(const HttpRequest& request, const Script& script) {
    ResponsePlan plan;
    const ServerHandshakeResult answer = answerClientRequest(request, ServerHandshakeOptions{});
    if (!answer.accepted()) {
        plan.clientError = std::string(answer.error->id()) + ": " + answer.error->detail;
        plan.head = serializeResponse(answer.response) + answer.body;
        return plan;
    }
    const ResponseSpec& spec = script.handshake.response;
    const std::string accept = computeWebSocketAccept(*request.fields.get("Sec-WebSocket-Key"));
    const Substitutions substitutions = {{"{accept}", accept}};

    std::optional<std::string> extensions = spec.extensions;
    if (!extensions && script.needsDeflate) {
        extensions = std::string(kPermessageDeflate);
    }
    const bool checked = script.expect.outcome != Outcome::Reject;
    if (extensions && checked) {
        const ExtensionListParse ours = parseExtensionList(*extensions);
        const std::vector<DeflateClientOffer> offers =
            validOffers({request.fields.combined(kExtensions)});
        if (!ours.error && ours.extensions.size() == 1 &&
            ours.extensions.front().name == kPermessageDeflate) {
            std::string why = "the client offered no valid permessage-deflate";
            for (const DeflateClientOffer& offer : offers) {
                const DeflateNegotiation negotiation =
                    checkDeflateResponse(ours.extensions.front(), offer);
                if (negotiation.params) {
                    plan.deflate = negotiation.params;
                    break;
                }
                why = "the client's offer '" + request.fields.combined(kExtensions) +
                      "' does not allow the answer '" + *extensions + "'";
            }
            if (!plan.deflate) {
                plan.unsupported = why;
                extensions.reset();
            }
        }
    }
    if (!spec.raw.empty()) {
        plan.head = substituteAll(spec.raw, substitutions);
        return plan;
    }
    HttpFields fields;
    fields.add("Upgrade", "websocket");
    fields.add("Connection", "Upgrade");
    fields.add("Sec-WebSocket-Accept", accept);
    if (extensions) {
        fields.add(std::string(kExtensions), *extensions);
    }
    applyEdits(fields, spec.remove, spec.replace, spec.extra, substitutions);
    plan.head = spec.version + " " + std::to_string(spec.status) + " " + spec.reason + "\r\n" +
                serializeFields(fields);
    return plan;
}

}  // namespace sockscope::session::conformance
