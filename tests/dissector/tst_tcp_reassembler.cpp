// TCP reassembly of one direction: every scenario is a script of segments
// (packets numbered from 1) and the exact trace the sink must see — data runs
// with their stream offsets and origins, gaps, anomalies, the end — plus the
// delivered byte string.
#include <sockscope/dissector/tcp_reassembler.h>

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

using namespace sockscope::dissector;

namespace {

constexpr std::uint32_t kPayloadOffset = 54;  // Ethernet + IPv4 + TCP headers
constexpr std::uint64_t kFlushPacket = 1000;

// One script step: a segment, or a flush (end of capture).
struct Step {
    std::uint32_t seq = 0;
    std::string data;
    std::uint8_t flags = tcp_flag::Ack;
    std::uint32_t missing = 0;
    bool flush = false;
};
using Script = std::vector<Step>;

Step syn(std::uint32_t seq, std::string data = {}) {
    return {seq, std::move(data), tcp_flag::Syn, 0, false};
}
Step seg(std::uint32_t seq, std::string data) {
    return {seq, std::move(data), tcp_flag::Ack | tcp_flag::Psh, 0, false};
}
Step ack(std::uint32_t seq) {
    return {seq, {}, tcp_flag::Ack, 0, false};
}
Step fin(std::uint32_t seq, std::string data = {}) {
    return {seq, std::move(data), tcp_flag::Ack | tcp_flag::Fin, 0, false};
}
Step rst(std::uint32_t seq) {
    return {seq, {}, tcp_flag::Rst, 0, false};
}
// A segment the snaplen cut: `data` captured, `missing` more bytes were on the wire.
Step cut(std::uint32_t seq, std::string data, std::uint32_t missing) {
    return {seq, std::move(data), tcp_flag::Ack | tcp_flag::Psh, missing, false};
}
Step flushNow() {
    return {0, {}, 0, 0, true};
}

std::string where(const StreamOrigin& o) {
    std::string s = "@" + std::to_string(o.packet);
    if (o.packetOffset != kPayloadOffset)
        s += "+" + std::to_string(std::int64_t(o.packetOffset) - kPayloadOffset);
    return s;
}

// Records what the reassembler reports and checks the stream contract on the
// way: runs and gaps are contiguous from 0, and nothing follows the end.
class Recorder : public TcpStreamSink {
public:
    QByteArray bytes;
    QStringList trace;
    QStringList details;
    QStringList errors;
    std::uint64_t next = 0;
    bool ended = false;
    bool traceData = true;

    void onStreamData(std::span<const std::uint8_t> data, std::uint64_t offset,
                      const StreamOrigin& origin) override {
        check(offset, "data");
        if (data.empty())
            errors << QStringLiteral("empty data run at %1").arg(offset);
        next = offset + data.size();
        bytes.append(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));
        if (traceData)
            trace << QString::fromStdString("data " + std::to_string(offset) + "+" +
                                            std::to_string(data.size()) + " " + where(origin));
    }
    void onStreamGap(std::uint64_t offset, std::uint64_t missing,
                     const StreamOrigin& origin) override {
        check(offset, "gap");
        if (missing == 0)
            errors << QStringLiteral("empty gap at %1").arg(offset);
        next = offset + missing;
        trace << QString::fromStdString("gap " + std::to_string(offset) + "+" +
                                        std::to_string(missing) + " " + where(origin));
    }
    void onStreamAnomaly(CaptureAnomaly kind, std::string detail,
                         const StreamOrigin& origin) override {
        if (ended)
            errors << QStringLiteral("anomaly after the end");
        trace << QString::fromStdString("anomaly " + std::string(captureAnomalyInfo(kind).id) +
                                        " " + where(origin));
        details << QString::fromStdString(detail);
    }
    void onStreamEnd(bool reset, const StreamOrigin& origin) override {
        if (ended)
            errors << QStringLiteral("second end");
        ended = true;
        trace << QString::fromStdString(std::string(reset ? "end rst " : "end fin ") +
                                        where(origin));
    }

private:
    void check(std::uint64_t offset, const char* what) {
        if (ended)
            errors << QStringLiteral("%1 after the end").arg(QLatin1String(what));
        if (offset != next)
            errors << QStringLiteral("%1 at %2, expected %3")
                          .arg(QLatin1String(what))
                          .arg(offset)
                          .arg(next);
    }
};

void feed(TcpReassembler& r, const Step& step, std::uint64_t packet) {
    if (step.flush) {
        r.flush({kFlushPacket, kPayloadOffset, {}});
        return;
    }
    TcpSegment s;
    s.seq = step.seq;
    s.flags = step.flags;
    s.payload = {reinterpret_cast<const std::uint8_t*>(step.data.data()), step.data.size()};
    s.payloadOffset = kPayloadOffset;
    s.missingBytes = step.missing;
    r.segment(s, {packet, kPayloadOffset, {std::int64_t(packet), 0}});
}

void run(TcpReassembler& r, const Script& script) {
    for (std::size_t i = 0; i < script.size(); ++i)
        feed(r, script[i], i + 1);
}

// 0..n-1 as printable, distinct-looking bytes: "abcd…" repeating.
std::string pattern(std::size_t n, std::size_t from = 0) {
    std::string s(n, ' ');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = char('a' + (from + i) % 26);
    return s;
}

}  // namespace

Q_DECLARE_METATYPE(Script)
Q_DECLARE_METATYPE(TcpReassemblerLimits)

class TestTcpReassembler : public QObject {
    Q_OBJECT

private slots:
    void scenarios_data();
    void scenarios();
    void everyPermutationOfFourSegments_data();
    void everyPermutationOfFourSegments();
    void randomScheduleRecoversTheStream_data();
    void randomScheduleRecoversTheStream();
    void randomScheduleUnderTightLimitsStaysExact();
    void mismatchDetailNamesOffsetsAndCount();
    void outOfOrderLimitDetailNamesTheLostBytes();
    void giveUpFirstHoleForTheOverallBound();
    void retransmissionOlderThanWindowIsNotCompared();
    void offsetsBeyondFourGiB();
    void wrapsManyTimesWithReorderingNearTheWrap();
    void inOrderDataIsNotCopied();
};

void TestTcpReassembler::scenarios_data() {
    QTest::addColumn<Script>("script");
    QTest::addColumn<TcpReassemblerLimits>("limits");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QStringList>("trace");
    QTest::addColumn<int>("buffered");

    auto row = [&](const char* name, Script script, QByteArray bytes, QStringList trace,
                   int buffered = 0, TcpReassemblerLimits limits = {}) {
        QTest::newRow(name) << script << limits << bytes << trace << buffered;
    };

    // --- happy: in order
    row("in order after SYN", {syn(999), seg(1000, "Hello"), seg(1005, " world")}, "Hello world",
        {"data 0+5 @2", "data 5+6 @3"});
    row("data on the SYN", {syn(999, "Hi"), seg(1002, "!")}, "Hi!", {"data 0+2 @1", "data 2+1 @2"});
    row("pure ACKs change nothing",
        {syn(0), ack(1), seg(1, "ab"), ack(3), ack(3), seg(3, "cd"), ack(5)}, "abcd",
        {"data 0+2 @3", "data 2+2 @6"});
    row("1-byte segments in order", {syn(0), seg(1, "a"), seg(2, "b"), seg(3, "c"), seg(4, "d")},
        "abcd", {"data 0+1 @2", "data 1+1 @3", "data 2+1 @4", "data 3+1 @5"});
    row("1-byte segments reversed", {syn(0), seg(4, "d"), seg(3, "c"), seg(2, "b"), seg(1, "a")},
        "abcd", {"data 0+1 @5", "data 1+1 @4", "data 2+1 @3", "data 3+1 @2"}, 0);
    row("keep-alive with a junk byte is not a retransmission",
        {syn(0), seg(1, "abc"), seg(3, std::string(1, '\0')), seg(4, "d")}, "abcd",
        {"data 0+3 @2", "data 3+1 @4"});
    row("zero-length keep-alive", {syn(0), seg(1, "abc"), ack(3), seg(4, "d")}, "abcd",
        {"data 0+3 @2", "data 3+1 @4"});

    // --- duplicates and overlaps with the same bytes
    row("duplicated segments",
        {syn(0), seg(1, "abc"), seg(1, "abc"), seg(4, "def"), seg(4, "def"), seg(1, "abc")},
        "abcdef", {"data 0+3 @2", "data 3+3 @4"});
    row("duplicated out-of-order segment", {syn(0), seg(4, "def"), seg(4, "def"), seg(1, "abc")},
        "abcdef", {"data 0+3 @4", "data 3+3 @2"});
    row("partial overlap delivers only the new tail", {syn(0), seg(1, "abcd"), seg(3, "cdef")},
        "abcdef", {"data 0+4 @2", "data 4+2 @3+2"});
    row("overlap spanning buffered segments, same bytes",
        {syn(0), seg(3, "cd"), seg(7, "gh"), seg(2, "bcdefghi"), seg(1, "a")}, "abcdefghi",
        {"data 0+1 @5", "data 1+1 @4", "data 2+2 @2", "data 4+2 @4+3", "data 6+2 @3",
         "data 8+1 @4+7"});
    row("in-order segment covering a buffered one keeps the buffered copy",
        {syn(0), seg(4, "de"), seg(1, "abcdefg")}, "abcdefg",
        {"data 0+3 @3", "data 3+2 @2", "data 5+2 @3+5"});

    // --- overlaps with different bytes: first copy kept, anomaly
    row("retransmission differs from delivered bytes",
        {syn(0), seg(1, "abcdef"), seg(3, "CDe"), seg(7, "g")}, "abcdefg",
        {"data 0+6 @2", "anomaly tcp-retransmission-mismatch @3", "data 6+1 @4"});
    row("retransmission differs, with a new tail", {syn(0), seg(1, "abc"), seg(2, "Bcde")}, "abcde",
        {"data 0+3 @2", "data 3+2 @3+2", "anomaly tcp-retransmission-mismatch @3"});
    row("out-of-order copies differ", {syn(0), seg(5, "efgh"), seg(5, "EFGH"), seg(1, "abcd")},
        "abcdefgh", {"anomaly tcp-retransmission-mismatch @3", "data 0+4 @4", "data 4+4 @2"});
    row("in-order segment differs from a buffered copy", {syn(0), seg(5, "EF"), seg(1, "abcdefgh")},
        "abcdEFgh",
        {"data 0+4 @3", "data 4+2 @2", "data 6+2 @3+6", "anomaly tcp-retransmission-mismatch @3"});

    // --- gaps
    row("hole filled later", {syn(0), seg(1, "ab"), seg(5, "ef"), seg(3, "cd")}, "abcdef",
        {"data 0+2 @2", "data 2+2 @4", "data 4+2 @3"});
    row("hole never filled: flush reports it",
        {syn(0), seg(1, "ab"), seg(5, "ef"), seg(9, "ij"), flushNow()}, "abefij",
        {"data 0+2 @2", "gap 2+2 @3", "data 4+2 @3", "gap 6+2 @4", "data 8+2 @4"});
    row("held bytes wait until the flush", {syn(0), seg(1, "ab"), seg(5, "ef")}, "ab",
        {"data 0+2 @2"}, 2);
    row("flush with nothing held changes nothing", {syn(0), seg(1, "ab"), flushNow()}, "ab",
        {"data 0+2 @2"});

    // --- snaplen
    row("snaplen-truncated segment in order", {syn(0), cut(1, "abc", 5), seg(9, "xyz")}, "abcxyz",
        {"data 0+3 @2", "gap 3+5 @2+3", "data 8+3 @3"});
    row("snaplen-truncated segment out of order",
        {syn(0), cut(6, "fgh", 2), seg(1, "abcde"), seg(11, "k")}, "abcdefghk",
        {"data 0+5 @3", "data 5+3 @2", "gap 8+2 @2+3", "data 10+1 @4"});
    row("snaplen gap replaced by a complete later copy",
        {syn(0), cut(6, "fgh", 2), seg(6, "fghij"), seg(1, "abcde")}, "abcdefghij",
        {"data 0+5 @4", "data 5+3 @2", "data 8+2 @3+3"});
    row("snaplen gap replaced by an in-order copy", {syn(0), cut(4, "de", 3), seg(1, "abcdefghij")},
        "abcdefghij", {"data 0+3 @3", "data 3+2 @2", "data 5+5 @3+5"});
    row("snaplen gap partly replaced: the rest stays missing",
        {syn(0), cut(2, "b", 6), seg(5, "efg"), seg(1, "a")}, "abefg",
        {"data 0+1 @4", "data 1+1 @2", "gap 2+2 @2+1", "data 4+3 @3", "gap 7+1 @2+6"});
    row("resend of bytes lost to the snaplen is not compared",
        {syn(0), cut(1, "abc", 3), seg(4, "XYZ"), seg(7, "g")}, "abcg",
        {"data 0+3 @2", "gap 3+3 @2+3", "data 6+1 @4"});
    row("snaplen cut every payload byte", {syn(0), cut(1, "", 4), seg(5, "e")}, "e",
        {"gap 0+4 @2", "data 4+1 @3"});

    // --- mid-stream
    row("mid-stream start", {seg(5000, "Hello"), seg(5005, "!")}, "Hello!",
        {"data 0+5 @1", "data 5+1 @2"});
    row("mid-stream start waits for payload past pure ACKs",
        {ack(4000), ack(4000), seg(5000, "Hello")}, "Hello", {"data 0+5 @3"});
    row("mid-stream: bytes before the first seen are dropped",
        {seg(5000, "World"), seg(4995, "Hello"), seg(4998, "loWo"), seg(5005, "!")}, "World!",
        {"data 0+5 @1", "data 5+1 @4"});

    // --- sequence wrap (ISN 0xFFFFFFF0, 100 bytes across the wrap)
    const std::string a = pattern(50), b = pattern(50, 50);
    row("sequence wrap in order", {syn(0xFFFFFFF0u), seg(0xFFFFFFF1u, a), seg(0x23u, b)},
        QByteArray::fromStdString(a + b), {"data 0+50 @2", "data 50+50 @3"});
    row("sequence wrap reordered", {syn(0xFFFFFFF0u), seg(0x23u, b), seg(0xFFFFFFF1u, a)},
        QByteArray::fromStdString(a + b), {"data 0+50 @3", "data 50+50 @2"});
    row("segments straddling the wrap",
        {syn(0xFFFFFFF0u), seg(0xFFFFFFF1u, pattern(10)), seg(0xFFFFFFFBu, pattern(10, 10)),
         seg(0x5u, pattern(80, 20))},
        QByteArray::fromStdString(pattern(100)),
        {"data 0+10 @2", "data 10+10 @3", "data 20+80 @4"});
    row("before the start after a wrap is not 4 GiB ahead",
        {syn(0xFFFFFFF0u), seg(0xFFFFFFF1u, a), syn(0xFFFFFFF0u), seg(0xFFFFFFE0u, "stale"),
         seg(0x23u, b), flushNow()},
        QByteArray::fromStdString(a + b), {"data 0+50 @2", "data 50+50 @5"});

    // --- FIN
    row("FIN in order", {syn(0), seg(1, "abc"), fin(4)}, "abc", {"data 0+3 @2", "end fin @3"});
    row("FIN with data", {syn(0), fin(1, "abc")}, "abc", {"data 0+3 @2", "end fin @2"});
    row("FIN before missing data", {syn(0), fin(6, "fg"), seg(1, "abcde")}, "abcdefg",
        {"data 0+5 @3", "data 5+2 @2", "end fin @3"});
    row("FIN with a hole never filled: flush", {syn(0), seg(1, "ab"), fin(6, "fg"), flushNow()},
        "abfg", {"data 0+2 @2", "gap 2+3 @3", "data 5+2 @3", "end fin @1000"});
    row("FIN after a lost segment: flush reports exactly the missing bytes",
        {syn(0), seg(1, "ab"), fin(9), flushNow()}, "ab",
        {"data 0+2 @2", "gap 2+6 @1000", "end fin @1000"});
    row("data after FIN ignored, FIN retransmitted",
        {syn(0), fin(1, "ab"), seg(3, "zz"), fin(1, "ab"), flushNow()}, "ab",
        {"data 0+2 @2", "end fin @2"});
    row("bytes held beyond the FIN are dropped", {syn(0), seg(8, "hi"), fin(4), seg(1, "abc")},
        "abc", {"data 0+3 @4", "end fin @4"});

    // --- RST
    row("RST ends at once", {syn(0), seg(1, "abc"), rst(4), seg(4, "d"), flushNow()}, "abc",
        {"data 0+3 @2", "end rst @3"});
    row("RST releases held bytes after a gap", {syn(0), seg(1, "ab"), seg(5, "ef"), rst(7)}, "abef",
        {"data 0+2 @2", "gap 2+2 @3", "data 4+2 @3", "end rst @4"});
    row("RST as the first segment", {rst(77)}, "", {"end rst @1"});

    // --- limits
    TcpReassemblerLimits tight;
    tight.maxOutOfOrderBytes = 6;
    row("out-of-order byte limit: the hole becomes a gap",
        {syn(0), seg(1, "ab"), seg(5, "efgh"), seg(9, "ijk"), seg(3, "cd"), seg(12, "l")},
        "abefghijkl",
        {"data 0+2 @2", "anomaly tcp-out-of-order-limit @4", "gap 2+2 @3", "data 4+4 @3",
         "data 8+3 @4", "data 11+1 @6"},
        0, tight);
    TcpReassemblerLimits fewSegments;
    fewSegments.maxOutOfOrderSegments = 2;
    row("out-of-order segment limit",
        {syn(0), seg(3, "c"), seg(5, "e"), seg(7, "g"), seg(1, "a"), seg(4, "d")}, "cde",
        {"anomaly tcp-out-of-order-limit @4", "gap 0+2 @2", "data 2+1 @2", "data 3+1 @6",
         "data 4+1 @3"},
        1, fewSegments);
}

void TestTcpReassembler::scenarios() {
    QFETCH(Script, script);
    QFETCH(TcpReassemblerLimits, limits);
    QFETCH(QByteArray, bytes);
    QFETCH(QStringList, trace);
    QFETCH(int, buffered);

    Recorder recorder;
    TcpReassembler reassembler(recorder, limits);
    run(reassembler, script);
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.trace, trace);
    QCOMPARE(recorder.bytes, bytes);
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(buffered));
}

// Four segments of four bytes in every order: the same bytes, each run from
// the packet that carried it, nothing left over.
void TestTcpReassembler::everyPermutationOfFourSegments_data() {
    QTest::addColumn<std::vector<int>>("order");
    std::vector<int> order{0, 1, 2, 3};
    do {
        const std::string name = std::to_string(order[0]) + "-" + std::to_string(order[1]) + "-" +
                                 std::to_string(order[2]) + "-" + std::to_string(order[3]);
        QTest::newRow(name.c_str()) << order;
    } while (std::next_permutation(order.begin(), order.end()));
}

void TestTcpReassembler::everyPermutationOfFourSegments() {
    QFETCH(std::vector<int>, order);
    const std::uint32_t isn = 0x7FFFFFFE;  // the signed midpoint: serial arithmetic still holds
    Recorder recorder;
    TcpReassembler reassembler(recorder);
    feed(reassembler, syn(isn), 1);
    QStringList expected(4);
    for (std::size_t i = 0; i < order.size(); ++i) {
        const int k = order[i];
        const std::uint64_t packet = i + 2;
        feed(reassembler, seg(isn + 1 + 4 * k, std::string(4, char('A' + k))), packet);
        expected[k] = QStringLiteral("data %1+4 @%2").arg(4 * k).arg(packet);
    }
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.trace, expected);
    QCOMPARE(recorder.bytes, QByteArray("AAAABBBBCCCCDDDD"));
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(0));
    QCOMPARE(reassembler.deliveredBytes(), std::uint64_t(16));
}

// Random segmentation, duplication, overlap (same bytes) and reordering of a
// stream: it comes out whole, once, with no anomaly.
void TestTcpReassembler::randomScheduleRecoversTheStream_data() {
    QTest::addColumn<quint32>("seed");
    QTest::addColumn<quint32>("isn");
    for (quint32 seed = 1; seed <= 40; ++seed)
        QTest::newRow(("seed " + std::to_string(seed)).c_str())
            << seed << (seed % 2 ? 0xFFFFF000u + seed : seed * 7919u);
}

void TestTcpReassembler::randomScheduleRecoversTheStream() {
    QFETCH(quint32, seed);
    QFETCH(quint32, isn);
    QRandomGenerator rng(seed);
    const std::string stream = pattern(6000 + rng.bounded(3000));
    Script script{syn(isn)};
    for (std::size_t at = 0; at < stream.size();) {
        const std::size_t n = std::min<std::size_t>(1 + rng.bounded(700), stream.size() - at);
        script.push_back(seg(isn + 1 + std::uint32_t(at), stream.substr(at, n)));
        if (rng.bounded(4) == 0) {  // a retransmission overlapping this and the next segment
            const std::size_t back = rng.bounded(quint32(at + 1));
            const std::size_t len =
                std::min<std::size_t>(1 + rng.bounded(900), stream.size() - back);
            script.push_back(seg(isn + 1 + std::uint32_t(back), stream.substr(back, len)));
        }
        at += n;
    }
    std::shuffle(script.begin() + 1, script.end(), std::mt19937(seed));
    script.push_back(fin(isn + 1 + std::uint32_t(stream.size())));

    Recorder recorder;
    recorder.traceData = false;
    TcpReassembler reassembler(recorder);
    run(reassembler, script);
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.trace, QStringList{QStringLiteral("end fin @%1").arg(script.size())});
    QCOMPARE(recorder.bytes, QByteArray::fromStdString(stream));
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(0));
}

// With a tiny out-of-order budget holes are given up, but whatever is
// delivered is exactly the stream's bytes at their offsets, and data plus
// gaps cover the stream once.
void TestTcpReassembler::randomScheduleUnderTightLimitsStaysExact() {
    for (quint32 seed = 1; seed <= 40; ++seed) {
        QRandomGenerator rng(seed);
        const std::string stream = pattern(4000);
        Script script{syn(0)};
        for (std::size_t at = 0; at < stream.size();) {
            const std::size_t n = std::min<std::size_t>(1 + rng.bounded(300), stream.size() - at);
            script.push_back(seg(1 + std::uint32_t(at), stream.substr(at, n)));
            at += n;
        }
        std::shuffle(script.begin() + 1, script.end(), std::mt19937(seed));
        script.push_back(flushNow());

        class Checker : public Recorder {
        public:
            const std::string* stream = nullptr;
            std::uint64_t gapBytes = 0;
            std::size_t maxBuffered = 0;
            void onStreamData(std::span<const std::uint8_t> data, std::uint64_t offset,
                              const StreamOrigin& origin) override {
                if (stream->compare(offset, data.size(), reinterpret_cast<const char*>(data.data()),
                                    data.size()) != 0)
                    errors << QStringLiteral("wrong bytes at %1").arg(offset);
                Recorder::onStreamData(data, offset, origin);
            }
            void onStreamGap(std::uint64_t offset, std::uint64_t missing,
                             const StreamOrigin& origin) override {
                gapBytes += missing;
                Recorder::onStreamGap(offset, missing, origin);
            }
        } checker;
        checker.stream = &stream;
        checker.traceData = false;
        TcpReassemblerLimits limits;
        limits.maxOutOfOrderBytes = 500;
        TcpReassembler reassembler(checker, limits);
        for (std::size_t i = 0; i < script.size(); ++i) {
            feed(reassembler, script[i], i + 1);
            QVERIFY2(reassembler.bufferedBytes() <= limits.maxOutOfOrderBytes,
                     qPrintable(QStringLiteral("seed %1 step %2").arg(seed).arg(i)));
        }
        QCOMPARE(checker.errors, QStringList());
        QCOMPARE(std::uint64_t(checker.bytes.size()) + checker.gapBytes, std::uint64_t(4000));
        QCOMPARE(reassembler.deliveredBytes(), std::uint64_t(4000));
        QCOMPARE(reassembler.bufferedBytes(), std::size_t(0));
    }
}

void TestTcpReassembler::mismatchDetailNamesOffsetsAndCount() {
    Recorder recorder;
    TcpReassembler reassembler(recorder);
    run(reassembler, {syn(0), seg(1, "abcdefgh"), seg(3, "cDeF")});
    QCOMPARE(recorder.details.size(), 1);
    const QString detail = recorder.details.front();
    QVERIFY2(detail.startsWith(QLatin1String("packet 3: ")), qPrintable(detail));
    QVERIFY2(detail.contains(QLatin1String("2 retransmitted bytes differ")), qPrintable(detail));
    QVERIFY2(detail.contains(QLatin1String("stream offsets 3..5")), qPrintable(detail));
    QCOMPARE(recorder.bytes, QByteArray("abcdefgh"));
}

void TestTcpReassembler::outOfOrderLimitDetailNamesTheLostBytes() {
    Recorder recorder;
    TcpReassemblerLimits limits;
    limits.maxOutOfOrderBytes = 3;
    TcpReassembler reassembler(recorder, limits);
    run(reassembler, {syn(0), seg(1, "ab"), seg(8, "hijk")});
    QCOMPARE(recorder.details.size(), 1);
    const QString detail = recorder.details.front();
    QVERIFY2(detail.contains(QLatin1String("the 5 bytes missing at stream offset 2")),
             qPrintable(detail));
    QVERIFY2(detail.contains(QLatin1String("(3 bytes, ")), qPrintable(detail));
    QCOMPARE(recorder.trace, (QStringList{"data 0+2 @2", "anomaly tcp-out-of-order-limit @3",
                                          "gap 2+5 @3", "data 7+4 @3"}));
}

// The dissector's bound over all flows gives up holes one at a time.
void TestTcpReassembler::giveUpFirstHoleForTheOverallBound() {
    Recorder recorder;
    TcpReassembler reassembler(recorder);
    run(reassembler, {syn(0), seg(1, "ab"), seg(5, "efg"), seg(10, "jklm"), fin(14)});
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(7));
    QCOMPARE(reassembler.giveUpFirstHole({9, kPayloadOffset, {}}), std::size_t(3));
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(4));
    QCOMPARE(reassembler.giveUpFirstHole({9, kPayloadOffset, {}}), std::size_t(4));
    QCOMPARE(reassembler.giveUpFirstHole({9, kPayloadOffset, {}}), std::size_t(0));
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.trace,
             (QStringList{"data 0+2 @2", "anomaly tcp-out-of-order-limit @9", "gap 2+2 @3",
                          "data 4+3 @3", "anomaly tcp-out-of-order-limit @9", "gap 7+2 @4",
                          "data 9+4 @4", "end fin @9"}));
    QVERIFY2(recorder.details.front().contains(
                 QLatin1String("all flows together was reached: the 2 bytes missing at stream "
                               "offset 2 are given up as lost")),
             qPrintable(recorder.details.front()));
    QCOMPARE(recorder.bytes, QByteArray("abefgjklm"));
}

// Only the recent window is compared: an old resend with other bytes is
// dropped without a (false or true) verdict; a recent one is checked.
void TestTcpReassembler::retransmissionOlderThanWindowIsNotCompared() {
    Recorder recorder;
    TcpReassemblerLimits limits;
    limits.retransmissionWindow = 16;
    TcpReassembler reassembler(recorder, limits);
    run(reassembler, {syn(0), seg(1, pattern(100)), seg(1, "XXXX"), seg(90, "XX")});
    QCOMPARE(recorder.trace,
             (QStringList{"data 0+100 @2", "anomaly tcp-retransmission-mismatch @4"}));
    QVERIFY2(recorder.details.front().contains(QLatin1String("stream offsets 89..90")),
             qPrintable(recorder.details.front()));
    QCOMPARE(recorder.bytes, QByteArray::fromStdString(pattern(100)));
}

// Stream offsets stay 64-bit: 5 GiB of sequence space (captured as a few
// bytes per 1 GiB segment, the rest cut by the snaplen) wraps the sequence
// number, and bytes after it land at their exact offsets.
void TestTcpReassembler::offsetsBeyondFourGiB() {
    constexpr std::uint64_t kGiB = 1ull << 30;
    const std::uint32_t isn = 0xFFFFFF00u;
    Recorder recorder;
    TcpReassembler reassembler(recorder);
    Script script{syn(isn)};
    QStringList expected;
    for (std::uint64_t k = 0; k < 5; ++k) {
        script.push_back(
            cut(isn + 1 + std::uint32_t(k * kGiB), "0123456789", std::uint32_t(kGiB - 10)));
        expected << QStringLiteral("data %1+10 @%2").arg(k * kGiB).arg(k + 2)
                 << QStringLiteral("gap %1+%2 @%3+10").arg(k * kGiB + 10).arg(kGiB - 10).arg(k + 2);
    }
    // 2^32 + 5 bytes into the stream is not 5: a frame that long must not desynchronise.
    const std::uint64_t end = 5 * kGiB;
    script.push_back(seg(isn + 1 + std::uint32_t(end + 5), "later"));
    script.push_back(seg(isn + 1 + std::uint32_t(end), "first"));
    script.push_back(fin(isn + 1 + std::uint32_t(end + 10)));
    expected << QStringLiteral("data %1+5 @8").arg(end)
             << QStringLiteral("data %1+5 @7").arg(end + 5) << QStringLiteral("end fin @9");
    run(reassembler, script);
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.trace, expected);
    QCOMPARE(reassembler.deliveredBytes(), end + 10);
}

// Gaps via the out-of-order limit carry the stream over the 2^32 boundary
// several times; reordering right at each wrap still releases in order.
void TestTcpReassembler::wrapsManyTimesWithReorderingNearTheWrap() {
    constexpr std::uint64_t kStep = 1ull << 30;  // each hole: 1 GiB, under the 2^31 horizon
    Recorder recorder;
    recorder.traceData = false;
    TcpReassemblerLimits limits;
    limits.maxOutOfOrderSegments = 1;
    TcpReassembler reassembler(recorder, limits);
    const std::uint32_t isn = 0xFFFFFFF0u;
    feed(reassembler, syn(isn), 1);
    std::uint64_t packet = 2;
    std::uint64_t offset = 0;
    std::string expectedBytes;
    for (int wrap = 0; wrap < 12; ++wrap) {  // 12 GiB: the sequence number wraps 3 times
        const std::uint64_t at = offset + kStep;
        // Two segments just across the next stretch, the later first: the
        // second out-of-order segment trips the 1-segment limit, the hole
        // before them becomes a gap and both are released in order.
        feed(reassembler, seg(isn + 1 + std::uint32_t(at + 3), "def"), packet++);
        feed(reassembler, seg(isn + 1 + std::uint32_t(at), "abc"), packet++);
        // A retransmission straddling both: same bytes, no anomaly.
        feed(reassembler, seg(isn + 1 + std::uint32_t(at + 1), "bcde"), packet++);
        expectedBytes += "abcdef";
        offset = at + 6;
        QCOMPARE(reassembler.deliveredBytes(), offset);
    }
    QCOMPARE(recorder.errors, QStringList());
    QCOMPARE(recorder.bytes, QByteArray::fromStdString(expectedBytes));
    QCOMPARE(recorder.trace.size(), 24);  // one anomaly and one gap per stretch
    QVERIFY(offset > 3 * (1ull << 32));
    QCOMPARE(reassembler.bufferedBytes(), std::size_t(0));
}

// In-order bytes are handed over straight from the segment (zero copy).
void TestTcpReassembler::inOrderDataIsNotCopied() {
    class Pointers : public Recorder {
    public:
        std::vector<const std::uint8_t*> seen;
        void onStreamData(std::span<const std::uint8_t> data, std::uint64_t offset,
                          const StreamOrigin& origin) override {
            seen.push_back(data.data());
            Recorder::onStreamData(data, offset, origin);
        }
    } sink;
    TcpReassembler reassembler(sink);
    const std::string payload = "Hello";
    feed(reassembler, syn(0), 1);
    feed(reassembler, seg(1, payload),
         2);  // feed() spans step.data, a copy: use a segment directly
    TcpSegment s;
    s.seq = 6;
    s.flags = tcp_flag::Ack;
    s.payload = {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
    reassembler.segment(s, {3, 0, {}});
    QCOMPARE(sink.seen.size(), std::size_t(2));
    QCOMPARE(sink.seen.back(), reinterpret_cast<const std::uint8_t*>(payload.data()));
    QCOMPARE(sink.bytes, QByteArray("HelloHello"));
}

QTEST_APPLESS_MAIN(TestTcpReassembler)
#include "tst_tcp_reassembler.moc"
