#pragma once
// A MessageSink that writes a readable event trace, one line per event
// (llhttp-style golden logs), so tests compare whole event sequences with
// byte offsets, and split-invariance tests compare traces of differently
// chunked inputs.

#include <sockscope/core/message_reader.h>

#include <string>
#include <vector>

namespace sockscope::test {

class TraceSink : public MessageSink {
public:
    std::vector<std::string> lines;
    std::string data;  // payload of the message in progress (hex for binary)

    bool onFrame(const FrameHeader& h, const FrameOffsets& o) override {
        lines.push_back("frame off=" + std::to_string(o.header) + " fin=" + bit(h.fin) +
                        " rsv=" + bit(h.rsv1) + bit(h.rsv2) + bit(h.rsv3) +
                        " op=" + std::string(opcodeName(h.opcode)) + " mask=" + bit(h.masked) +
                        " len=" + std::to_string(h.payloadLength) + " payload@" +
                        std::to_string(o.payload));
        return true;
    }
    bool onMessageBegin(std::uint8_t opcode, bool compressed) override {
        lines.push_back("begin " + std::string(opcodeName(opcode)) +
                        (compressed ? " deflate" : ""));
        data.clear();
        return true;
    }
    bool onMessageData(std::span<const std::uint8_t> bytes) override {
        data.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return true;
    }
    bool onMessageEnd(const MessageSummary& s) override {
        lines.push_back("message frames=" + std::to_string(s.frames) +
                        " len=" + std::to_string(s.length) + " valid=" + bit(s.valid) +
                        " data=" + printable(data));
        return true;
    }
    bool onControlFrame(const FrameHeader& h, std::span<const std::uint8_t> payload) override {
        lines.push_back("control " + std::string(opcodeName(h.opcode)) + " data=" +
                        printable({reinterpret_cast<const char*>(payload.data()), payload.size()}));
        return true;
    }
    bool onViolation(const ProtocolError& e) override {
        lines.push_back("violation " + std::string(e.id()) + " at=" + std::to_string(e.offset) +
                        " close=" + std::to_string(e.closeCode()));
        return true;
    }

    std::string joined() const {
        std::string all;
        for (const auto& l : lines)
            all += l + "\n";
        return all;
    }

private:
    static std::string bit(bool b) { return b ? "1" : "0"; }
    static std::string printable(std::string_view s) {
        if (s.size() > 64)
            return "<" + std::to_string(s.size()) + " bytes>";
        std::string out;
        for (unsigned char c : s) {
            if (c >= 0x20 && c < 0x7f) {
                out += static_cast<char>(c);
            } else {
                static const char* hex = "0123456789abcdef";
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
        return out;
    }
};

}  // namespace sockscope::test
