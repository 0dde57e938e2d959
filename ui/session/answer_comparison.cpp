#include "session/answer_comparison.h"

#include <QStringList>
#include <algorithm>

namespace sockscope::session {

namespace {

QString describe(const ReplayStep& answer) {
    QString text = replayOpcodeName(answer.opcode);
    if (answer.closeCode) {
        text += u' ' + QString::number(*answer.closeCode);
    }
    return text + QStringLiteral(", %1 bytes").arg(answer.payload.size());
}

QString byteText(const QByteArray& bytes, qint64 at) {
    if (at >= bytes.size()) {
        return QStringLiteral("end");
    }
    return QStringLiteral("0x%1").arg(std::uint8_t(bytes[at]), 2, 16, QLatin1Char('0'));
}

AnswerDifference compareOne(int index, const ReplayStep& recorded, const ReplayStep& replayed) {
    AnswerDifference d;
    d.index = index;
    d.opcodeDiffers = recorded.opcode != replayed.opcode;
    d.closeCodeDiffers = recorded.closeCode != replayed.closeCode;
    d.fragmentsDiffer = recorded.fragments != replayed.fragments;
    if (recorded.payload != replayed.payload) {
        const auto [a, b] = std::mismatch(recorded.payload.cbegin(), recorded.payload.cend(),
                                          replayed.payload.cbegin(), replayed.payload.cend());
        d.firstDifferentByte = qint64(a - recorded.payload.cbegin());
    }
    QStringList parts;
    if (d.opcodeDiffers) {
        parts << QStringLiteral("opcode %1 vs %2")
                     .arg(replayOpcodeName(recorded.opcode), replayOpcodeName(replayed.opcode));
    }
    if (d.closeCodeDiffers) {
        const auto code = [](const std::optional<std::uint16_t>& c) {
            return c ? QString::number(*c) : QStringLiteral("none");
        };
        parts << QStringLiteral("close code %1 vs %2")
                     .arg(code(recorded.closeCode), code(replayed.closeCode));
    }
    if (d.firstDifferentByte) {
        const qint64 at = *d.firstDifferentByte;
        parts << QStringLiteral("payload differs at byte %1 (%2 vs %3; %4 vs %5 bytes)")
                     .arg(at)
                     .arg(byteText(recorded.payload, at), byteText(replayed.payload, at))
                     .arg(recorded.payload.size())
                     .arg(replayed.payload.size());
    }
    const bool different = d.opcodeDiffers || d.closeCodeDiffers || d.firstDifferentByte;
    d.verdict = different ? AnswerVerdict::Different : AnswerVerdict::Same;
    if (d.fragmentsDiffer) {
        parts
            << QStringLiteral("fragments %1 vs %2").arg(recorded.fragments).arg(replayed.fragments);
    }
    d.detail = parts.isEmpty() ? QStringLiteral("same") : parts.join(QStringLiteral("; "));
    return d;
}

}  // namespace

QString answerVerdictName(AnswerVerdict verdict) {
    switch (verdict) {
        case AnswerVerdict::Same:
            return QStringLiteral("same");
        case AnswerVerdict::Different:
            return QStringLiteral("different");
        case AnswerVerdict::Missing:
            return QStringLiteral("missing");
        case AnswerVerdict::Extra:
            return QStringLiteral("extra");
    }
    return {};
}

AnswerComparison compareAnswers(const std::vector<ReplayStep>& recorded,
                                const std::vector<ReplayStep>& replayed) {
    AnswerComparison result;
    const std::size_t n = std::max(recorded.size(), replayed.size());
    for (std::size_t i = 0; i < n; ++i) {
        AnswerDifference d;
        if (i >= replayed.size()) {
            d.index = int(i);
            d.verdict = AnswerVerdict::Missing;
            d.detail = QStringLiteral("missing: ") + describe(recorded[i]);
            ++result.missing;
        } else if (i >= recorded.size()) {
            d.index = int(i);
            d.verdict = AnswerVerdict::Extra;
            d.detail = QStringLiteral("extra: ") + describe(replayed[i]);
            ++result.extra;
        } else {
            d = compareOne(int(i), recorded[i], replayed[i]);
            ++(d.verdict == AnswerVerdict::Same ? result.same : result.different);
        }
        result.rows.push_back(std::move(d));
    }
    return result;
}

QString AnswerComparison::summary() const {
    const int total = int(rows.size());
    if (total == 0) {
        return QStringLiteral("no answers recorded and none received");
    }
    if (allSame()) {
        return total == 1 ? QStringLiteral("1 answer, the same")
                          : QStringLiteral("%1 answers, all the same").arg(total);
    }
    QStringList parts;
    parts << QStringLiteral("%1 same").arg(same);
    const auto firstOf = [this](AnswerVerdict v) {
        const auto it = std::find_if(rows.begin(), rows.end(),
                                     [v](const AnswerDifference& d) { return d.verdict == v; });
        return it == rows.end() ? 0 : it->index + 1;
    };
    if (different > 0) {
        parts << QStringLiteral("%1 different (first #%2)")
                     .arg(different)
                     .arg(firstOf(AnswerVerdict::Different));
    }
    if (missing > 0) {
        parts << QStringLiteral("%1 missing (first #%2)")
                     .arg(missing)
                     .arg(firstOf(AnswerVerdict::Missing));
    }
    if (extra > 0) {
        parts
            << QStringLiteral("%1 extra (first #%2)").arg(extra).arg(firstOf(AnswerVerdict::Extra));
    }
    return QStringLiteral("%1 answers: %2").arg(total).arg(parts.join(QStringLiteral(", ")));
}

}  // namespace sockscope::session
