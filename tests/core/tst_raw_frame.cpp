// The console's raw frames: the exact bytes of every RawLength / RawMasking
// choice and of every preset (hand-written hex, key 37fa213d from RFC 6455
// §5.7), and that core's own peer reports exactly the violation each preset is for.
#include <sockscope/core/endpoint.h>
#include <sockscope/core/frame_decoder.h>
#include <sockscope/core/raw_frame.h>

#include <QTest>

#include <set>
#include <string>

#include "wire.h"

using namespace sockscope;
using namespace sockscope::test;

namespace {

constexpr MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};

RawFrameSpec hello() {
    RawFrameSpec spec;
    spec.payload = bytesOf("Hello");
    return spec;
}

std::string repeatHex(std::string_view unit, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) {
        out += unit;
    }
    return out;
}

// A client and a server endpoint past the opening handshake.
struct OpenPair {
    Endpoint client{clientConfig()};
    Endpoint server{serverConfig()};

    OpenPair() {
        for (int round = 0; round < 10; ++round) {
            move(client, server);
            move(server, client);
        }
        drain(client);
        drain(server);
    }
    static EndpointConfig clientConfig() {
        EndpointConfig c;
        c.role = Role::Client;
        c.client.host = "localhost";
        c.client.target = "/";
        return c;
    }
    static EndpointConfig serverConfig() {
        EndpointConfig s;
        s.role = Role::Server;
        return s;
    }
    static void move(Endpoint& from, Endpoint& to) {
        const auto out = from.pendingOutput();
        Bytes bytes(out.begin(), out.end());
        from.consumeOutput(bytes.size());
        to.receive(std::span<std::uint8_t>(bytes));
    }
    static std::vector<EndpointEvent> drain(Endpoint& e) {
        std::vector<EndpointEvent> events;
        while (auto next = e.nextEvent()) {
            events.push_back(std::move(*next));
        }
        return events;
    }
    Endpoint& receiver(Role sender) { return sender == Role::Client ? server : client; }
};

struct PeerReaction {
    std::optional<std::string> violation;  // the id of the ProtocolFailed, if any
    std::vector<event::Message> messages;
};

PeerReaction deliver(Role sender, std::span<const std::uint8_t> frame) {
    OpenPair pair;
    Endpoint& peer = pair.receiver(sender);
    if (peer.state() != EndpointState::Open) {
        return {std::string("handshake did not complete"), {}};
    }
    Bytes bytes(frame.begin(), frame.end());
    peer.receive(std::span<std::uint8_t>(bytes));
    PeerReaction reaction;
    for (auto& e : OpenPair::drain(peer)) {
        if (auto* failed = std::get_if<event::ProtocolFailed>(&e)) {
            reaction.violation = std::string(failed->error.id());
        } else if (auto* message = std::get_if<event::Message>(&e)) {
            reaction.messages.push_back(*message);
        }
    }
    return reaction;
}

// What FrameDecoder says about the length field of one frame.
struct DecodedHeader : FrameSink {
    std::optional<FrameHeader> header;
    std::optional<ViolationKind> lengthViolation;
    bool onFrameHeader(const FrameHeader& h, const FrameOffsets&,
                       const ProtocolError* violation) override {
        header = h;
        if (violation) {
            lengthViolation = violation->kind;
        }
        return false;
    }
    bool onFramePayload(std::span<const std::uint8_t>, std::uint64_t) override { return true; }
    bool onFrameEnd() override { return true; }
};

DecodedHeader decodeHeader(std::span<const std::uint8_t> frame) {
    Bytes bytes(frame.begin(), frame.end());
    DecodedHeader sink;
    FrameDecoder decoder;
    decoder.feed(std::span<std::uint8_t>(bytes), sink);
    return sink;
}

const RawFramePreset* preset(std::string_view id) {
    for (const RawFramePreset& p : rawFramePresets()) {
        if (p.id == id) {
            return &p;
        }
    }
    return nullptr;
}

}  // namespace

class TestRawFrame : public QObject {
    Q_OBJECT
private slots:
    void masking_data() {
        QTest::addColumn<Role>("sender");
        QTest::addColumn<RawMasking>("masking");
        QTest::addColumn<QByteArray>("hex");
        QTest::newRow("client by role")
            << Role::Client << RawMasking::ByRole << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("server by role")
            << Role::Server << RawMasking::ByRole << QByteArray("810548656c6c6f");
        QTest::newRow("client masked")
            << Role::Client << RawMasking::Masked << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("server masked")
            << Role::Server << RawMasking::Masked << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("client unmasked")
            << Role::Client << RawMasking::Unmasked << QByteArray("810548656c6c6f");
        QTest::newRow("server unmasked")
            << Role::Server << RawMasking::Unmasked << QByteArray("810548656c6c6f");
        // The payload is masked with c805dec2 while the header says 37fa213d.
        QTest::newRow("client wrong key")
            << Role::Client << RawMasking::WrongKey << QByteArray("818537fa213d8060b2aea7");
        QTest::newRow("server wrong key")
            << Role::Server << RawMasking::WrongKey << QByteArray("818537fa213d8060b2aea7");
    }
    void masking() {
        QFETCH(Role, sender);
        QFETCH(RawMasking, masking);
        QFETCH(QByteArray, hex);
        RawFrameSpec spec = hello();
        spec.masking = masking;
        QCOMPARE(toHex(buildRawFrame(sender, spec, kKey)), hex.toStdString());
    }

    void length_data() {
        QTest::addColumn<Role>("sender");
        QTest::addColumn<RawLength>("length");
        QTest::addColumn<QByteArray>("hex");
        QTest::newRow("client minimal")
            << Role::Client << RawLength::Minimal << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("client 16")
            << Role::Client << RawLength::Force16 << QByteArray("81fe000537fa213d7f9f4d5158");
        QTest::newRow("client 64") << Role::Client << RawLength::Force64
                                   << QByteArray("81ff000000000000000537fa213d7f9f4d5158");
        QTest::newRow("client 64 top bit") << Role::Client << RawLength::Force64TopBit
                                           << QByteArray("81ff800000000000000537fa213d7f9f4d5158");
        QTest::newRow("server minimal")
            << Role::Server << RawLength::Minimal << QByteArray("810548656c6c6f");
        QTest::newRow("server 16")
            << Role::Server << RawLength::Force16 << QByteArray("817e000548656c6c6f");
        QTest::newRow("server 64")
            << Role::Server << RawLength::Force64 << QByteArray("817f000000000000000548656c6c6f");
        QTest::newRow("server 64 top bit") << Role::Server << RawLength::Force64TopBit
                                           << QByteArray("817f800000000000000548656c6c6f");
    }
    void length() {
        QFETCH(Role, sender);
        QFETCH(RawLength, length);
        QFETCH(QByteArray, hex);
        RawFrameSpec spec = hello();
        spec.length = length;
        QCOMPARE(toHex(buildRawFrame(sender, spec, kKey)), hex.toStdString());
    }

    void lengthOfLargerPayloads() {
        RawFrameSpec spec;
        spec.opcode = 0x2;
        spec.payload.assign(126, 0x00);
        // 126 bytes: minimal is the 16-bit form; Force16 is then correct too.
        for (RawLength form : {RawLength::Minimal, RawLength::Force16}) {
            spec.length = form;
            const Bytes frame = buildRawFrame(Role::Server, spec, kKey);
            QCOMPARE(toHex(std::span(frame).first(4)), std::string("827e007e"));
            QCOMPARE(frame.size(), std::size_t(4 + 126));
            QVERIFY(!decodeHeader(frame).lengthViolation);
        }
        // Over 65535 bytes nothing shorter than 64 bits exists, whatever was asked.
        spec.payload.assign(70000, 0x00);
        for (RawLength form : {RawLength::Minimal, RawLength::Force16, RawLength::Force64}) {
            spec.length = form;
            const Bytes frame = buildRawFrame(Role::Server, spec, kKey);
            QCOMPARE(toHex(std::span(frame).first(10)), std::string("827f0000000000011170"));
            QCOMPARE(frame.size(), std::size_t(10 + 70000));
            QVERIFY(!decodeHeader(frame).lengthViolation);
        }
        spec.length = RawLength::Force64TopBit;
        const Bytes top = buildRawFrame(Role::Server, spec, kKey);
        QCOMPARE(toHex(std::span(top).first(10)), std::string("827f8000000000011170"));
    }

    void headerBitsAndOpcode() {
        RawFrameSpec spec;
        spec.opcode = 0xF;
        spec.fin = false;
        spec.rsv1 = spec.rsv2 = spec.rsv3 = true;
        QCOMPARE(toHex(buildRawFrame(Role::Server, spec, kKey)), std::string("7f00"));
        spec.fin = true;
        spec.rsv2 = false;
        spec.opcode = 0x0;
        QCOMPARE(toHex(buildRawFrame(Role::Client, spec, kKey)), std::string("d08037fa213d"));
    }

    void frameDecoderSeesTheLengthForm() {
        RawFrameSpec spec = hello();
        spec.length = RawLength::Force16;
        QCOMPARE(decodeHeader(buildRawFrame(Role::Client, spec, kKey)).lengthViolation,
                 std::optional(ViolationKind::NonMinimalLength));
        spec.length = RawLength::Force64;
        QCOMPARE(decodeHeader(buildRawFrame(Role::Client, spec, kKey)).lengthViolation,
                 std::optional(ViolationKind::NonMinimalLength));
        spec.length = RawLength::Force64TopBit;
        const DecodedHeader top = decodeHeader(buildRawFrame(Role::Client, spec, kKey));
        QCOMPARE(top.lengthViolation, std::optional(ViolationKind::LengthMsbSet));
        QCOMPARE(top.header->payloadLength, (std::uint64_t{1} << 63) | 5);
        spec.length = RawLength::Minimal;
        const DecodedHeader plain = decodeHeader(buildRawFrame(Role::Client, spec, kKey));
        QVERIFY(!plain.lengthViolation);
        QVERIFY(plain.header->masked);
        QCOMPARE(plain.header->payloadLength, std::uint64_t(5));
    }

    void presetBytes_data() {
        QTest::addColumn<QByteArray>("id");
        QTest::addColumn<QByteArray>("hex");  // sent by the preset's role (client when either)
        QTest::newRow("unmasked-client-frame")
            << QByteArray("unmasked-client-frame") << QByteArray("810548656c6c6f");
        QTest::newRow("masked-server-frame")
            << QByteArray("masked-server-frame") << QByteArray("818537fa213d7f9f4d5158");
        QTest::newRow("rsv1") << QByteArray("reserved-bit-set-rsv1")
                              << QByteArray("c18537fa213d7f9f4d5158");
        QTest::newRow("rsv2") << QByteArray("reserved-bit-set-rsv2")
                              << QByteArray("a18537fa213d7f9f4d5158");
        QTest::newRow("rsv3") << QByteArray("reserved-bit-set-rsv3")
                              << QByteArray("918537fa213d7f9f4d5158");
        QTest::newRow("reserved-opcode")
            << QByteArray("reserved-opcode") << QByteArray("838537fa213d7f9f4d5158");
        QTest::newRow("invalid-utf8")
            << QByteArray("invalid-utf8") << QByteArray("818337fa213d7f93de");
        QTest::newRow("control-frame-too-long")
            << QByteArray("control-frame-too-long")
            << QByteArray(("89fe007e37fa213d" + repeatHex("4f825945", 31) + "4f82").c_str());
        QTest::newRow("fragmented-control-frame")
            << QByteArray("fragmented-control-frame") << QByteArray("098437fa213d47934f5a");
        QTest::newRow("non-minimal-length-16")
            << QByteArray("non-minimal-length-16") << QByteArray("81fe000537fa213d7f9f4d5158");
        QTest::newRow("non-minimal-length-64")
            << QByteArray("non-minimal-length-64")
            << QByteArray("81ff000000000000000537fa213d7f9f4d5158");
        QTest::newRow("length-msb-set")
            << QByteArray("length-msb-set") << QByteArray("81ff800000000000000537fa213d7f9f4d5158");
        QTest::newRow("wrong-mask")
            << QByteArray("wrong-mask") << QByteArray("818537fa213d8060b2aea7");
    }
    void presetBytes() {
        QFETCH(QByteArray, id);
        QFETCH(QByteArray, hex);
        const RawFramePreset* p = preset(id.toStdString());
        QVERIFY2(p, id.constData());
        const Role sender = p->sender.value_or(Role::Client);
        QCOMPARE(toHex(buildRawFrame(sender, p->spec, kKey)), hex.toStdString());
    }

    void presetsAreCompleteAndUnique() {
        std::set<std::string_view> ids;
        for (const RawFramePreset& p : rawFramePresets()) {
            QVERIFY2(ids.insert(p.id).second, std::string(p.id).c_str());
            QVERIFY(!p.label.empty());
            QVERIFY(p.rfc.starts_with("RFC 6455 §"));
            // The id is the violation's, or the violation's with a variant suffix.
            QVERIFY2(p.id.starts_with(p.violation) || p.id == "wrong-mask",
                     std::string(p.id).c_str());
        }
        QCOMPARE(ids.size(), std::size_t(13));
    }

    // Every preset, sent by every role it is meant for, makes our own peer fail
    // the connection for exactly the preset's violation.
    void peerReportsThePresetsViolation() {
        for (const RawFramePreset& p : rawFramePresets()) {
            for (Role sender : {Role::Client, Role::Server}) {
                if (p.sender && *p.sender != sender) {
                    continue;
                }
                const PeerReaction reaction = deliver(sender, buildRawFrame(sender, p.spec, kKey));
                const std::string what =
                    std::string(p.id) + (sender == Role::Client ? " from client" : " from server");
                QVERIFY2(reaction.violation, what.c_str());
                QCOMPARE(*reaction.violation, std::string(p.violation));
                QVERIFY2(reaction.messages.empty(), what.c_str());
            }
        }
    }

    void correctSpecIsAccepted() {
        for (Role sender : {Role::Client, Role::Server}) {
            RawFrameSpec spec = hello();
            spec.fin = false;
            PeerReaction reaction = deliver(sender, [&] {
                Bytes both = buildRawFrame(sender, spec, kKey);
                RawFrameSpec tail;
                tail.opcode = 0x0;
                tail.payload = bytesOf(" world");
                const Bytes second = buildRawFrame(sender, tail, {1, 2, 3, 4});
                both.insert(both.end(), second.begin(), second.end());
                return both;
            }());
            QVERIFY(!reaction.violation);
            QCOMPARE(reaction.messages.size(), std::size_t(1));
            QCOMPARE(reaction.messages[0].text(), std::string_view("Hello world"));
            QCOMPARE(reaction.messages[0].frames, std::uint32_t(2));
        }
        // A 16-bit length for 126 bytes is the minimal form: accepted.
        RawFrameSpec big;
        big.opcode = 0x2;
        big.length = RawLength::Force16;
        big.payload.assign(126, 0xAB);
        const PeerReaction reaction = deliver(Role::Client, buildRawFrame(Role::Client, big, kKey));
        QVERIFY(!reaction.violation);
        QCOMPARE(reaction.messages.size(), std::size_t(1));
        QCOMPARE(reaction.messages[0].payload, big.payload);
    }
};

QTEST_APPLESS_MAIN(TestRawFrame)
#include "tst_raw_frame.moc"
