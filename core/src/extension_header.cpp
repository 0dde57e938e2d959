// Sec-WebSocket-Extensions (RFC 6455 §9.1) with the RFC 9110 list rules:
// OWS around ",", ";" and "=", empty list elements ignored (§5.6.1), values as
// token or quoted-string (§5.6.4). A quoted value must still be a token once
// unquoted (RFC 6455 §9.1), so `client_max_window_bits="10"` equals `=10`.

#include "sockscope/core/extension_header.h"

#include "http_syntax.h"

namespace sockscope {
namespace {

using detail::describeByte;
using detail::isOws;
using detail::isTchar;

class ExtensionListParser {
public:
    explicit ExtensionListParser(std::string_view value) : text_(value) {}

    ExtensionListParse run() {
        ExtensionListParse result;
        for (;;) {
            skipOws();
            if (atEnd()) {
                break;
            }
            if (peek() == ',') {
                ++pos_;  // empty list element
                continue;
            }
            Extension extension;
            if (!parseExtension(extension)) {
                result.error = std::move(error_);
                return result;
            }
            result.extensions.push_back(std::move(extension));
            skipOws();
            if (atEnd()) {
                break;
            }
            if (peek() != ',') {
                result.error = unexpected("after an extension (expected ',' or ';')");
                return result;
            }
            ++pos_;
        }
        return result;
    }

private:
    bool atEnd() const { return pos_ >= text_.size(); }
    unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }
    void skipOws() {
        while (!atEnd() && isOws(peek())) {
            ++pos_;
        }
    }

    std::string at() const { return " at position " + std::to_string(pos_); }
    std::string unexpected(std::string_view where) const {
        if (atEnd()) {
            return "unexpected end of the list " + std::string(where) + at();
        }
        return "unexpected " + describeByte(peek()) + " " + std::string(where) + at();
    }
    bool fail(std::string message) {
        error_ = std::move(message);
        return false;
    }

    std::string token() {
        const std::size_t start = pos_;
        while (!atEnd() && isTchar(peek())) {
            ++pos_;
        }
        return std::string(text_.substr(start, pos_ - start));
    }

    // extension = extension-token *( OWS ";" OWS extension-param )
    bool parseExtension(Extension& extension) {
        extension.name = token();
        if (extension.name.empty()) {
            return fail(unexpected("where an extension name should start"));
        }
        for (;;) {
            skipOws();
            if (atEnd() || peek() != ';') {
                return true;
            }
            ++pos_;
            skipOws();
            ExtensionParam param;
            param.name = token();
            if (param.name.empty()) {
                return fail(unexpected("where a parameter name should start"));
            }
            skipOws();
            if (!atEnd() && peek() == '=') {
                ++pos_;
                skipOws();
                std::string value;
                if (!parseValue(value)) {
                    return false;
                }
                param.value = std::move(value);
            }
            extension.params.push_back(std::move(param));
        }
    }

    // token / quoted-string; a quoted value must unquote to a token.
    bool parseValue(std::string& value) {
        if (atEnd() || peek() != '"') {
            value = token();
            return !value.empty() || fail(unexpected("where a parameter value should start"));
        }
        const std::size_t open = pos_++;
        for (;;) {
            if (atEnd()) {
                return fail("unterminated quoted string starting at position " +
                            std::to_string(open));
            }
            const unsigned char c = peek();
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                ++pos_;  // quoted-pair: the next byte stands for itself
                if (atEnd()) {
                    return fail("unterminated quoted string starting at position " +
                                std::to_string(open));
                }
            }
            if (!isTchar(peek())) {
                return fail(unexpected("in a quoted value (it must be a token, RFC 6455 §9.1)"));
            }
            value += char(peek());
            ++pos_;
        }
        ++pos_;  // closing quote
        if (value.empty()) {
            pos_ = open;
            return fail("empty quoted value" + at());
        }
        return true;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string error_;
};

}  // namespace

ExtensionListParse parseExtensionList(std::string_view value) {
    return ExtensionListParser(value).run();
}

std::string formatExtension(const Extension& extension) {
    std::string out = extension.name;
    for (const ExtensionParam& param : extension.params) {
        out += "; ";
        out += param.name;
        if (!param.value) {
            continue;
        }
        out += '=';
        if (detail::isToken(*param.value)) {
            out += *param.value;
            continue;
        }
        // Not a valid §9.1 value; quote it so the list at least stays parseable.
        out += '"';
        for (const char c : *param.value) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    return out;
}

std::string formatExtensionList(const std::vector<Extension>& extensions) {
    std::string out;
    for (std::size_t i = 0; i < extensions.size(); ++i) {
        out += i == 0 ? "" : ", ";
        out += formatExtension(extensions[i]);
    }
    return out;
}

}  // namespace sockscope
