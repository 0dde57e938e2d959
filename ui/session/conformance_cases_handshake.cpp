// Group 8, the opening handshake (RFC 6455 §4). Against a server (8.1, 8.2)
// the tester sends valid upgrades written in unusual but legal ways, and
// invalid ones that must be refused with the right status. Against a client
// (8.3, 8.4) it answers with unusual but valid 101s, which must work, and
// invalid ones, after which the client must drop the connection without
// sending a single frame (the tester sends a message it must not echo).

#include <string>

#include "session/conformance_builders.h"

namespace sockscope::session::conformance::build {
namespace {

constexpr std::string_view kServerRfc = "RFC 6455 §4.2.1";
constexpr std::string_view kClientRfc = "RFC 6455 §4.1";

Script helloEcho() {
    const SharedBytes text = bytes("Hello after the handshake");
    return echo({frame(kText, text)}, {echoed(kText, text)});
}

Script withRequest(RequestSpec request) {
    Script script = helloEcho();
    script.handshake.request = std::move(request);
    return script;
}

Script refused(RequestSpec request, std::vector<int> statuses, std::string requiredField = {}) {
    Script script;
    script.handshake.request = std::move(request);
    script.expect.outcome = Outcome::Reject;
    script.expect.statuses = std::move(statuses);
    script.expect.requiredField = std::move(requiredField);
    return script;
}

Script withResponse(ResponseSpec response) {
    Script script = helloEcho();
    script.handshake.response = std::move(response);
    return script;
}

// After an invalid response the tester sends a message anyway: a client that
// accepted the handshake would echo it.
Script rejectedResponse(ResponseSpec response) {
    Script script;
    script.handshake.response = std::move(response);
    script.handshake.firstStepsWithHead = true;
    script.steps.emplace_back(frame(kText, bytes("must not be echoed")));
    script.expect.outcome = Outcome::Reject;
    return script;
}

RequestSpec lowerCaseNames() {
    RequestSpec r;
    r.raw =
        "GET {target} HTTP/1.1\r\nhost: {host}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
        "sec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n";
    return r;
}

RequestSpec upperCaseNames() {
    RequestSpec r;
    r.raw =
        "GET {target} HTTP/1.1\r\nHOST: {host}\r\nUPGRADE: websocket\r\nCONNECTION: Upgrade\r\n"
        "SEC-WEBSOCKET-KEY: {key}\r\nSEC-WEBSOCKET-VERSION: 13\r\n\r\n";
    return r;
}

RequestSpec replaced(std::string name, std::string value) {
    RequestSpec r;
    r.replace.push_back({std::move(name), std::move(value)});
    return r;
}

RequestSpec removed(std::string name) {
    RequestSpec r;
    r.remove.push_back(std::move(name));
    return r;
}

void addServerCases(CaseList& cases) {
    const std::string rfc(kServerRfc);
    const Applies server = Applies::ServerOnly;
    cases.add(
        "8.1.1", "A plain upgrade request", rfc, [] { return helloEcho(); }, server);
    cases.add(
        "8.1.2", "Header names in lower case", rfc, [] { return withRequest(lowerCaseNames()); },
        server);
    cases.add(
        "8.1.3", "Header names in upper case", rfc, [] { return withRequest(upperCaseNames()); },
        server);
    cases.add(
        "8.1.4", "Upgrade: WebSocket (the token is case-insensitive)", rfc,
        [] { return withRequest(replaced("Upgrade", "WebSocket")); }, server);
    cases.add(
        "8.1.5", "Connection: keep-alive, Upgrade (a list with the token)", rfc,
        [] { return withRequest(replaced("Connection", "keep-alive, Upgrade")); }, server);
    cases.add(
        "8.1.6", "Unknown header fields and an Origin", rfc,
        [] {
            RequestSpec r;
            r.extra = {{"Origin", "http://127.0.0.1"},
                       {"X-Sockscope-Test", "conformance"},
                       {"User-Agent", "sockscope-conformance"}};
            return withRequest(r);
        },
        server);
    cases.add(
        "8.1.7", "The request written one byte at a time", rfc,
        [] {
            Script script = helloEcho();
            script.handshake.chop = 1;
            return script;
        },
        server);
    cases.add(
        "8.1.8", "A subprotocol the server does not know is offered", "RFC 6455 §4.2.2",
        [] {
            RequestSpec r;
            r.extra = {{"Sec-WebSocket-Protocol", "x-sockscope-unknown"}};
            return withRequest(r);
        },
        server);
    cases.add(
        "8.1.9", "An unknown extension is offered (it must be declined)", "RFC 6455 §9.1",
        [] {
            Script script = helloEcho();
            script.handshake.offers = {"x-sockscope-unknown; level=3"};
            return script;
        },
        server);
    cases.add(
        "8.1.10", "Connection: upgrade in lower case", rfc,
        [] { return withRequest(replaced("Connection", "upgrade")); }, server);

    cases.add(
        "8.2.1", "No Sec-WebSocket-Key", rfc,
        [] { return refused(removed("Sec-WebSocket-Key"), {400}); }, server);
    cases.add(
        "8.2.2", "A Sec-WebSocket-Key that is not base64 of 16 bytes", rfc,
        [] { return refused(replaced("Sec-WebSocket-Key", "dGhpcyBpcyAxMA=="), {400}); }, server);
    cases.add(
        "8.2.3", "No Sec-WebSocket-Version", rfc,
        [] {
            return refused(removed("Sec-WebSocket-Version"), {400, 426});
        },
        server);
    cases.add(
        "8.2.4", "Sec-WebSocket-Version: 8 (426 naming version 13)", "RFC 6455 §4.2.2",
        [] {
            return refused(replaced("Sec-WebSocket-Version", "8"), {426}, "Sec-WebSocket-Version");
        },
        server);
    cases.add(
        "8.2.5", "The method POST instead of GET", rfc,
        [] {
            RequestSpec r;
            r.method = "POST";
            return refused(r, {400, 405});
        },
        server);
    cases.add(
        "8.2.6", "HTTP/1.0 instead of HTTP/1.1", rfc,
        [] {
            RequestSpec r;
            r.version = "HTTP/1.0";
            return refused(r, {400, 505});
        },
        server);
    cases.add(
        "8.2.7", "No Upgrade field", rfc,
        [] {
            return refused(removed("Upgrade"), {400, 426});
        },
        server);
    cases.add(
        "8.2.8", "Upgrade: h2c", rfc,
        [] {
            return refused(replaced("Upgrade", "h2c"), {400, 426});
        },
        server);
    cases.add(
        "8.2.9", "No Connection field", rfc,
        [] {
            return refused(removed("Connection"), {400, 426});
        },
        server);
    cases.add(
        "8.2.10", "Connection: keep-alive (no upgrade token)", rfc,
        [] {
            return refused(replaced("Connection", "keep-alive"), {400, 426});
        },
        server);
    cases.add(
        "8.2.11", "No Host field", rfc, [] { return refused(removed("Host"), {400}); }, server);
    cases.add(
        "8.2.12", "Two Sec-WebSocket-Key fields", rfc,
        [] {
            RequestSpec r;
            r.extra = {{"Sec-WebSocket-Key", "AQIDBAUGBwgJCgsMDQ4PEA=="}};
            return refused(r, {400});
        },
        server);
    cases.add(
        "8.2.13", "A request line without an HTTP version", "RFC 9112 §3",
        [] {
            RequestSpec r;
            r.raw =
                "GET {target}\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            return refused(r, {400});
        },
        server);
    cases.add(
        "8.2.14", "A header line without a colon", "RFC 9112 §5",
        [] {
            RequestSpec r;
            r.raw =
                "GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: "
                "Upgrade\r\n"
                "Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nthis line has no "
                "colon\r\n\r\n";
            return refused(r, {400});
        },
        server);
    cases.add(
        "8.2.15", "A header field of 1 MiB (a server must bound the head)", "RFC 6455 §10.4",
        [] {
            RequestSpec r;
            r.extra = {{"X-Large", std::string(1 << 20, 'a')}};
            return refused(r, {400, 413, 431});
        },
        server, 2);
    cases.add(
        "8.2.16", "Ten thousand header fields", "RFC 6455 §10.4",
        [] {
            RequestSpec r;
            for (int i = 0; i < 10000; ++i) {
                r.extra.push_back({"X-Field-" + std::to_string(i), "v"});
            }
            return refused(r, {400, 413, 431});
        },
        server, 2);
}

ResponseSpec responseRaw(std::string raw) {
    ResponseSpec r;
    r.raw = std::move(raw);
    return r;
}

ResponseSpec responseReplaced(std::string name, std::string value) {
    ResponseSpec r;
    r.replace.push_back({std::move(name), std::move(value)});
    return r;
}

ResponseSpec responseRemoved(std::string name) {
    ResponseSpec r;
    r.remove.push_back(std::move(name));
    return r;
}

ResponseSpec status(int code, std::string reason) {
    ResponseSpec r;
    r.status = code;
    r.reason = std::move(reason);
    r.remove = {"Upgrade", "Connection", "Sec-WebSocket-Accept"};
    r.extra = {{"Content-Length", "0"}};
    return r;
}

void addClientCases(CaseList& cases) {
    const std::string rfc(kClientRfc);
    const Applies client = Applies::ClientOnly;
    cases.add(
        "8.3.1", "A plain 101 response", rfc, [] { return helloEcho(); }, client);
    cases.add(
        "8.3.2", "Header names in lower case", rfc,
        [] {
            return withResponse(responseRaw(
                "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                "sec-websocket-accept: {accept}\r\n\r\n"));
        },
        client);
    cases.add(
        "8.3.3", "Upgrade: WebSocket and Connection: upgrade (tokens are case-insensitive)", rfc,
        [] {
            ResponseSpec r;
            r.replace = {{"Upgrade", "WebSocket"}, {"Connection", "upgrade"}};
            return withResponse(r);
        },
        client);
    cases.add(
        "8.3.4", "Connection: Upgrade, keep-alive", rfc,
        [] { return withResponse(responseReplaced("Connection", "Upgrade, keep-alive")); }, client);
    cases.add(
        "8.3.5", "Unknown header fields in the 101", rfc,
        [] {
            ResponseSpec r;
            r.extra = {{"Server", "sockscope-conformance"}, {"X-Sockscope-Test", "conformance"}};
            return withResponse(r);
        },
        client);
    cases.add(
        "8.3.6", "The 101 written one byte at a time", rfc,
        [] {
            Script script = helloEcho();
            script.handshake.chop = 1;
            return script;
        },
        client);
    cases.add(
        "8.3.7", "The 101 and the first frame in one write", rfc,
        [] {
            Script script = helloEcho();
            script.handshake.firstStepsWithHead = true;
            return script;
        },
        client);
    cases.add(
        "8.3.8", "A reason phrase other than Switching Protocols", rfc,
        [] {
            ResponseSpec r;
            r.reason = "Let's talk WebSocket";
            return withResponse(r);
        },
        client);

    cases.add(
        "8.4.1", "Status 200 instead of 101", rfc,
        [] { return rejectedResponse(status(200, "OK")); }, client);
    cases.add(
        "8.4.2", "Status 404", rfc, [] { return rejectedResponse(status(404, "Not Found")); },
        client);
    cases.add(
        "8.4.3", "A wrong Sec-WebSocket-Accept", rfc,
        [] {
            return rejectedResponse(
                responseReplaced("Sec-WebSocket-Accept", "dGhlIHdyb25nIGFjY2VwdCE="));
        },
        client);
    cases.add(
        "8.4.4", "No Sec-WebSocket-Accept", rfc,
        [] { return rejectedResponse(responseRemoved("Sec-WebSocket-Accept")); }, client);
    cases.add(
        "8.4.5", "No Upgrade field", rfc,
        [] { return rejectedResponse(responseRemoved("Upgrade")); }, client);
    cases.add(
        "8.4.6", "Upgrade: h2c", rfc,
        [] { return rejectedResponse(responseReplaced("Upgrade", "h2c")); }, client);
    cases.add(
        "8.4.7", "No Connection field", rfc,
        [] { return rejectedResponse(responseRemoved("Connection")); }, client);
    cases.add(
        "8.4.8", "A subprotocol the client did not offer", "RFC 6455 §4.1",
        [] {
            ResponseSpec r;
            r.extra = {{"Sec-WebSocket-Protocol", "x-sockscope-never-offered"}};
            return rejectedResponse(r);
        },
        client);
    cases.add(
        "8.4.9", "An extension the client did not offer", "RFC 6455 §9.1",
        [] {
            ResponseSpec r;
            r.extensions = "x-sockscope-never-offered";
            return rejectedResponse(r);
        },
        client);
    cases.add(
        "8.4.10", "Two Sec-WebSocket-Accept fields", rfc,
        [] {
            ResponseSpec r;
            r.extra = {{"Sec-WebSocket-Accept", "{accept}"}};
            return rejectedResponse(r);
        },
        client);
    cases.add(
        "8.4.11", "Not HTTP at all", rfc,
        [] { return rejectedResponse(responseRaw("SSH-2.0-OpenSSH_9.2\r\n\r\n")); }, client);
    cases.add(
        "8.4.12", "Status 101 with Sec-WebSocket-Accept computed without the GUID", rfc,
        [] {
            // base64(SHA-1("")) : what an accept without key and GUID would be.
            return rejectedResponse(
                responseReplaced("Sec-WebSocket-Accept", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="));
        },
        client);
}

}  // namespace

void addHandshakeCases(CaseList& cases) {
    addServerCases(cases);
    addClientCases(cases);
}

}  // namespace sockscope::session::conformance::build
