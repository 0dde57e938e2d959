#include "sockscope/core/raw_frame.h"

#include <array>
#include <string_view>

namespace sockscope {
namespace {

bool isMasked(Role sender, RawMasking masking) {
    switch (masking) {
        case RawMasking::ByRole:
            return sender == Role::Client;
        case RawMasking::Masked:
        case RawMasking::WrongKey:
            return true;
        case RawMasking::Unmasked:
            return false;
    }
    return false;
}

// Written here rather than with serializeFrameHeader: the raw mode needs
// encodings (a set top bit) that a correct serializer must not produce.
void appendLength(std::vector<std::uint8_t>& out, std::uint8_t maskBit, std::uint64_t length,
                  RawLength form) {
    const bool fits16 = length <= 0xFFFF;
    const bool use7 = form == RawLength::Minimal && length < 126;
    const bool use16 =
        !use7 && fits16 && (form == RawLength::Minimal || form == RawLength::Force16);
    if (use7) {
        out.push_back(static_cast<std::uint8_t>(maskBit | length));
        return;
    }
    if (use16) {
        out.push_back(static_cast<std::uint8_t>(maskBit | 126));
        out.push_back(static_cast<std::uint8_t>(length >> 8));
        out.push_back(static_cast<std::uint8_t>(length));
        return;
    }
    const std::uint64_t value =
        form == RawLength::Force64TopBit ? (length | (std::uint64_t{1} << 63)) : length;
    out.push_back(static_cast<std::uint8_t>(maskBit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

std::vector<std::uint8_t> bytes(std::string_view text) {
    return {text.begin(), text.end()};
}

RawFrameSpec frame(std::uint8_t opcode, std::vector<std::uint8_t> payload) {
    RawFrameSpec spec;
    spec.opcode = opcode;
    spec.payload = std::move(payload);
    return spec;
}

std::vector<RawFramePreset> makePresets() {
    std::vector<RawFramePreset> presets;
    auto add = [&](std::string_view id, std::string_view label, std::string_view rfc,
                   RawFrameSpec spec, std::string_view violation, std::optional<Role> sender) {
        presets.push_back({id, label, rfc, std::move(spec), violation, sender});
    };

    RawFrameSpec spec = frame(0x1, bytes("Hello"));
    spec.masking = RawMasking::Unmasked;
    add("unmasked-client-frame", "Unmasked client frame", "RFC 6455 §5.1", spec,
        "unmasked-client-frame", Role::Client);

    spec = frame(0x1, bytes("Hello"));
    spec.masking = RawMasking::Masked;
    add("masked-server-frame", "Masked server frame", "RFC 6455 §5.1", spec, "masked-server-frame",
        Role::Server);

    spec = frame(0x1, bytes("Hello"));
    spec.rsv1 = true;
    add("reserved-bit-set-rsv1", "RSV1 set (no extension negotiated)", "RFC 6455 §5.2", spec,
        "reserved-bit-set", std::nullopt);
    spec = frame(0x1, bytes("Hello"));
    spec.rsv2 = true;
    add("reserved-bit-set-rsv2", "RSV2 set", "RFC 6455 §5.2", spec, "reserved-bit-set",
        std::nullopt);
    spec = frame(0x1, bytes("Hello"));
    spec.rsv3 = true;
    add("reserved-bit-set-rsv3", "RSV3 set", "RFC 6455 §5.2", spec, "reserved-bit-set",
        std::nullopt);

    add("reserved-opcode", "Reserved opcode 0x3", "RFC 6455 §5.2", frame(0x3, bytes("Hello")),
        "reserved-opcode", std::nullopt);

    add("invalid-utf8", "Text frame with invalid UTF-8", "RFC 6455 §8.1",
        frame(0x1, {0x48, 0x69, 0xFF}), "invalid-utf8", std::nullopt);

    add("control-frame-too-long", "Oversize control frame (126-byte ping)", "RFC 6455 §5.5",
        frame(0x9, std::vector<std::uint8_t>(126, 'x')), "control-frame-too-long", std::nullopt);

    spec = frame(0x9, bytes("ping"));
    spec.fin = false;
    add("fragmented-control-frame", "Fragmented control frame (ping, FIN=0)", "RFC 6455 §5.5", spec,
        "fragmented-control-frame", std::nullopt);

    spec = frame(0x1, bytes("Hello"));
    spec.length = RawLength::Force16;
    add("non-minimal-length-16", "Non-minimal length (16-bit for 5 bytes)", "RFC 6455 §5.2", spec,
        "non-minimal-length", std::nullopt);
    spec.length = RawLength::Force64;
    add("non-minimal-length-64", "Non-minimal length (64-bit for 5 bytes)", "RFC 6455 §5.2", spec,
        "non-minimal-length", std::nullopt);

    spec.length = RawLength::Force64TopBit;
    add("length-msb-set", "64-bit length with the top bit set", "RFC 6455 §5.2", spec,
        "length-msb-set", std::nullopt);

    // "Hello" unmasked with the wrong key reads as bytes >= 0x80: invalid UTF-8.
    spec = frame(0x1, bytes("Hello"));
    spec.masking = RawMasking::WrongKey;
    add("wrong-mask", "Payload masked with a key other than the header's", "RFC 6455 §5.3", spec,
        "invalid-utf8", Role::Client);
    return presets;
}

}  // namespace

std::vector<std::uint8_t> buildRawFrame(Role sender, const RawFrameSpec& spec, MaskKey key) {
    const bool masked = isMasked(sender, spec.masking);
    std::vector<std::uint8_t> out;
    out.reserve(14 + spec.payload.size());
    out.push_back(static_cast<std::uint8_t>((spec.fin ? 0x80 : 0) | (spec.rsv1 ? 0x40 : 0) |
                                            (spec.rsv2 ? 0x20 : 0) | (spec.rsv3 ? 0x10 : 0) |
                                            (spec.opcode & 0x0F)));
    appendLength(out, masked ? 0x80 : 0, spec.payload.size(), spec.length);
    if (!masked) {
        out.insert(out.end(), spec.payload.begin(), spec.payload.end());
        return out;
    }
    out.insert(out.end(), key.begin(), key.end());
    MaskKey payloadKey = key;
    if (spec.masking == RawMasking::WrongKey) {
        for (std::uint8_t& b : payloadKey) {
            b = static_cast<std::uint8_t>(b ^ 0xFF);
        }
    }
    const std::size_t start = out.size();
    out.insert(out.end(), spec.payload.begin(), spec.payload.end());
    applyMask(std::span<std::uint8_t>(out.data() + start, spec.payload.size()), payloadKey);
    return out;
}

std::span<const RawFramePreset> rawFramePresets() {
    static const std::vector<RawFramePreset> presets = makePresets();
    return presets;
}

}  // namespace sockscope
