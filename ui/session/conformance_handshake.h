#pragma once
// The tester's side of the opening handshake: the request it sends to a
// server under test and the check of that server's answer; the answer it
// gives a client under test. Placeholders in a case's texts: {host}, {key},
// {accept}.

#include <optional>
#include <string>
#include <string_view>

#include "session/conformance_case.h"
#include "sockscope/core/http_message.h"
#include "sockscope/core/permessage_deflate.h"

namespace sockscope::session::conformance {

// The request head (CRLF line ends, blank line included); `target` unless the case sets one.
std::string buildRequest(const Script& script, std::string_view host, std::string_view target,
                         std::string_view key);

struct ResponseCheck {
    bool upgraded = false;  // 101 and everything about it valid
    std::string error;      // why a 101 is not valid (the peer's fault)
    std::optional<DeflateParams> deflate;
};
// Checks a server's answer to buildRequest(): status, Upgrade, Connection,
// Sec-WebSocket-Accept, the subprotocol, and the extensions against the
// tester's valid offers (accepting an invalid offer is an error).
ResponseCheck checkResponse(const HttpResponse& response, const Script& script,
                            std::string_view key);

struct ResponsePlan {
    std::string head;                      // what the tester writes
    std::optional<DeflateParams> deflate;  // what the client must now speak
    std::string clientError;               // the client's request is invalid
    std::string unsupported;               // the case needs what the client did not offer
};
// The tester's answer to a client's upgrade request, as the script says.
ResponsePlan planResponse(const HttpRequest& request, const Script& script);

// A permessage-deflate offer as core's struct; nullopt for an invalid one.
std::optional<DeflateClientOffer> offerFromExtension(const Extension& offer);

}  // namespace sockscope::session::conformance
