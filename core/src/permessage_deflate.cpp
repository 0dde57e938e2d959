// permessage-deflate negotiation (RFC 7692 §5, §7.1): the client's offer, the
// server's choice among offers, and the client's check of the response. The
// zlib codec (MessageDeflater, MessageInflater) is in permessage_deflate_zlib.cpp.

#include "sockscope/core/permessage_deflate.h"

#include <algorithm>
#include <string_view>

namespace sockscope {
namespace {

constexpr std::string_view kServerNoContextTakeover = "server_no_context_takeover";
constexpr std::string_view kClientNoContextTakeover = "client_no_context_takeover";
constexpr std::string_view kServerMaxWindowBits = "server_max_window_bits";
constexpr std::string_view kClientMaxWindowBits = "client_max_window_bits";

constexpr int kMinWindowBits = 8;
constexpr int kMaxWindowBits = 15;

// Our own settings (offer, policy) are clamped rather than rejected: they are
// local configuration, and every value in 8..15 is one we can honour.
int clampWindowBits(int bits) {
    return std::clamp(bits, kMinWindowBits, kMaxWindowBits);
}

std::string quoted(std::string_view text) {
    std::string s;
    s.reserve(text.size() + 2);
    s += '"';
    s += text;
    s += '"';
    return s;
}

// §7.1.2.1: "1*DIGIT", a decimal integer without leading zeros, 8..15.
std::optional<int> parseWindowBits(std::string_view text) {
    if (text.empty() || text.size() > 2 || text.front() == '0') {
        return std::nullopt;
    }
    int value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    if (value < kMinWindowBits || value > kMaxWindowBits) {
        return std::nullopt;
    }
    return value;
}

// The parameters of one permessage-deflate element, checked for syntax only.
struct ParsedParams {
    bool serverNoContextTakeover = false;
    bool clientNoContextTakeover = false;
    std::optional<int> serverMaxWindowBits;
    bool clientMaxWindowBits = false;  // present, with or without a value
    std::optional<int> clientMaxWindowBitsValue;
};

enum class Side : std::uint8_t { Offer, Response };

// Returns why the element is invalid (§7.1: unknown or duplicate parameters,
// invalid values), or nullopt when it is well formed.
std::optional<std::string> parseParams(const Extension& element, Side side, ParsedParams& out) {
    enum Seen : unsigned { kSnct = 1, kCnct = 2, kSmwb = 4, kCmwb = 8 };
    unsigned seen = 0;
    for (const ExtensionParam& param : element.params) {
        const std::string_view name = param.name;
        unsigned bit = 0;
        if (name == kServerNoContextTakeover) {
            bit = kSnct;
        } else if (name == kClientNoContextTakeover) {
            bit = kCnct;
        } else if (name == kServerMaxWindowBits) {
            bit = kSmwb;
        } else if (name == kClientMaxWindowBits) {
            bit = kCmwb;
        } else {
            return "unknown parameter " + quoted(name);
        }
        if ((seen & bit) != 0) {
            return "duplicate parameter " + quoted(name);
        }
        seen |= bit;

        if (bit == kSnct || bit == kCnct) {
            if (param.value) {
                return "parameter " + quoted(name) + " takes no value";
            }
            (bit == kSnct ? out.serverNoContextTakeover : out.clientNoContextTakeover) = true;
            continue;
        }
        // A window size: server_max_window_bits always carries a value;
        // client_max_window_bits may be valueless only in an offer (§7.1.2.2).
        if (!param.value) {
            if (bit == kSmwb || side == Side::Response) {
                return "parameter " + quoted(name) + " needs a value";
            }
            out.clientMaxWindowBits = true;
            continue;
        }
        const std::optional<int> bits = parseWindowBits(*param.value);
        if (!bits) {
            return "parameter " + quoted(name) + " has value " + quoted(*param.value) +
                   ", not a decimal 8..15 without leading zeros";
        }
        if (bit == kSmwb) {
            out.serverMaxWindowBits = bits;
        } else {
            out.clientMaxWindowBits = true;
            out.clientMaxWindowBitsValue = bits;
        }
    }
    return std::nullopt;
}

void addParam(Extension& e, std::string_view name, std::optional<int> value = std::nullopt) {
    ExtensionParam param;
    param.name = std::string(name);
    if (value) {
        param.value = std::to_string(*value);
    }
    e.params.push_back(std::move(param));
}

// The server's answer to one well-formed offer under `policy` (§7.1).
DeflateNegotiation acceptParsedOffer(const ParsedParams& offer, const DeflateServerPolicy& policy) {
    DeflateParams params;
    // A client asking for server_no_context_takeover must get it (§7.1.1.1); a
    // client announcing client_no_context_takeover resets anyway, so echoing it
    // makes the agreement say what will happen (§7.1.1.2).
    params.serverNoContextTakeover =
        offer.serverNoContextTakeover || policy.serverNoContextTakeover;
    params.clientNoContextTakeover =
        offer.clientNoContextTakeover || policy.clientNoContextTakeover;

    // §7.1.2.1: a requested limit must be answered with the same or a smaller
    // value; without a request the server may still announce a smaller window.
    const int ourServerLimit = clampWindowBits(policy.serverMaxWindowBits);
    params.serverMaxWindowBits =
        std::min(offer.serverMaxWindowBits.value_or(kMaxWindowBits), ourServerLimit);
    const bool announceServerBits =
        offer.serverMaxWindowBits.has_value() || ourServerLimit < kMaxWindowBits;

    // §7.1.2.2: the server may limit the client's window only if the client
    // offered client_max_window_bits; a value in the offer is the most the
    // client will use, so the answer never exceeds it.
    bool announceClientBits = false;
    if (offer.clientMaxWindowBits) {
        const int clientLimit = offer.clientMaxWindowBitsValue.value_or(kMaxWindowBits);
        if (policy.clientMaxWindowBits) {
            params.clientMaxWindowBits =
                std::min(clientLimit, clampWindowBits(*policy.clientMaxWindowBits));
            announceClientBits = true;
        } else if (offer.clientMaxWindowBitsValue) {
            params.clientMaxWindowBits = clientLimit;
            announceClientBits = true;
        }
    }

    Extension response;
    response.name = std::string(kPermessageDeflate);
    if (params.serverNoContextTakeover) {
        addParam(response, kServerNoContextTakeover);
    }
    if (params.clientNoContextTakeover) {
        addParam(response, kClientNoContextTakeover);
    }
    if (announceServerBits) {
        addParam(response, kServerMaxWindowBits, params.serverMaxWindowBits);
    }
    if (announceClientBits) {
        addParam(response, kClientMaxWindowBits, params.clientMaxWindowBits);
    }

    DeflateNegotiation result;
    result.params = params;
    result.response = std::move(response);
    return result;
}

DeflateNegotiation failed(std::string why) {
    DeflateNegotiation result;
    result.error = std::move(why);
    return result;
}

}  // namespace

Extension makeDeflateOffer(const DeflateClientOffer& offer) {
    Extension e;
    e.name = std::string(kPermessageDeflate);
    if (offer.serverNoContextTakeover) {
        addParam(e, kServerNoContextTakeover);
    }
    if (offer.clientNoContextTakeover) {
        addParam(e, kClientNoContextTakeover);
    }
    if (offer.serverMaxWindowBits) {
        addParam(e, kServerMaxWindowBits, clampWindowBits(*offer.serverMaxWindowBits));
    }
    if (offer.clientMaxWindowBits) {
        addParam(e, kClientMaxWindowBits, clampWindowBits(*offer.clientMaxWindowBits));
    } else if (offer.clientMaxWindowBitsValueless) {
        addParam(e, kClientMaxWindowBits);
    }
    return e;
}

DeflateNegotiation acceptDeflateOffer(const std::vector<Extension>& offers,
                                      const DeflateServerPolicy& policy) {
    // §5.1: offers are in order of preference; a malformed one is declined and
    // the next one is considered. The first reason is kept for the report.
    std::optional<std::string> firstDecline;
    for (const Extension& offer : offers) {
        if (offer.name != kPermessageDeflate) {
            continue;
        }
        ParsedParams parsed;
        if (std::optional<std::string> why = parseParams(offer, Side::Offer, parsed)) {
            if (!firstDecline) {
                firstDecline = "declined permessage-deflate offer: " + *why;
            }
            continue;
        }
        return acceptParsedOffer(parsed, policy);
    }
    DeflateNegotiation result;
    result.error = std::move(firstDecline);
    return result;
}

DeflateNegotiation checkDeflateResponse(const Extension& response,
                                        const DeflateClientOffer& offered) {
    if (response.name != kPermessageDeflate) {
        return failed("response names extension " + quoted(response.name) +
                      ", not permessage-deflate");
    }
    ParsedParams got;
    if (std::optional<std::string> why = parseParams(response, Side::Response, got)) {
        return failed("invalid permessage-deflate response: " + *why);
    }

    // §7.1.1.1: a server accepting an offer with server_no_context_takeover
    // must include it in the response.
    if (offered.serverNoContextTakeover && !got.serverNoContextTakeover) {
        return failed(
            "response lacks server_no_context_takeover, which the offer asked for (RFC 7692 "
            "§7.1.1.1)");
    }
    // §7.1.2.1: a requested server window limit must be answered with the same
    // or a smaller value.
    std::optional<int> askedServerBits;
    if (offered.serverMaxWindowBits) {
        askedServerBits = clampWindowBits(*offered.serverMaxWindowBits);
        if (!got.serverMaxWindowBits) {
            return failed(
                "response lacks server_max_window_bits, which the offer asked for (RFC 7692 "
                "§7.1.2.1)");
        }
        if (*got.serverMaxWindowBits > *askedServerBits) {
            return failed(
                "response has server_max_window_bits=" + std::to_string(*got.serverMaxWindowBits) +
                ", larger than the " + std::to_string(*askedServerBits) + " the offer asked for");
        }
    }
    // §7.1.2.2: client_max_window_bits only in answer to our own, and never
    // above a value we announced.
    std::optional<int> offeredClientBits;
    if (offered.clientMaxWindowBits) {
        offeredClientBits = clampWindowBits(*offered.clientMaxWindowBits);
    }
    const bool offeredClientParam = offeredClientBits || offered.clientMaxWindowBitsValueless;
    if (got.clientMaxWindowBits) {
        if (!offeredClientParam) {
            return failed(
                "response has client_max_window_bits, but the offer did not include it (RFC 7692 "
                "§7.1.2.2)");
        }
        if (offeredClientBits && *got.clientMaxWindowBitsValue > *offeredClientBits) {
            return failed("response has client_max_window_bits=" +
                          std::to_string(*got.clientMaxWindowBitsValue) + ", larger than the " +
                          std::to_string(*offeredClientBits) + " the offer announced");
        }
    }

    DeflateParams params;
    params.serverNoContextTakeover = got.serverNoContextTakeover;
    // An offered client_no_context_takeover is a promise the client keeps even
    // if the server does not echo it (§7.1.1.2).
    params.clientNoContextTakeover = got.clientNoContextTakeover || offered.clientNoContextTakeover;
    params.serverMaxWindowBits = got.serverMaxWindowBits.value_or(kMaxWindowBits);
    // Likewise a window size we announced is the most we use (§7.1.2.2).
    params.clientMaxWindowBits =
        got.clientMaxWindowBitsValue.value_or(offeredClientBits.value_or(kMaxWindowBits));

    DeflateNegotiation result;
    result.params = params;
    return result;
}

}  // namespace sockscope
