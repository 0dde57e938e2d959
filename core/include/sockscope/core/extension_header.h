#pragma once
// Sec-WebSocket-Extensions grammar (RFC 6455 §9.1):
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token / quoted-string) ]
// Parsed properly (quoted strings, whitespace, empty list elements), never by
// substring search.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sockscope {

struct ExtensionParam {
    std::string name;
    std::optional<std::string> value;  // unquoted; nullopt for a valueless parameter
};

struct Extension {
    std::string name;
    std::vector<ExtensionParam> params;
};

struct ExtensionListParse {
    std::vector<Extension> extensions;
    std::optional<std::string> error;  // what was wrong and at which character
};

ExtensionListParse parseExtensionList(std::string_view value);
std::string formatExtension(const Extension& extension);
std::string formatExtensionList(const std::vector<Extension>& extensions);

}  // namespace sockscope
