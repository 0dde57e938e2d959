#pragma once
// The server's recorded answers next to the answers a replay got, matched by
// index: the same message, a different one (opcode, payload: the first byte
// that differs; fragments; close code), one missing from the replay, or an
// extra one. Qt Core only.

#include <QString>
#include <cstdint>
#include <optional>
#include <vector>

#include "session/replay_step.h"

namespace sockscope::session {

enum class AnswerVerdict : std::uint8_t { Same, Different, Missing, Extra };

struct AnswerDifference {
    int index = 0;  // in both lists
    AnswerVerdict verdict = AnswerVerdict::Same;
    bool opcodeDiffers = false;
    bool closeCodeDiffers = false;
    bool fragmentsDiffer = false;  // noted, but alone it does not make a message different
    // The first payload byte that differs (for a payload that is a prefix of
    // the other: the shorter one's length); nullopt when the payloads are equal.
    std::optional<qint64> firstDifferentByte;
    QString detail;  // "payload differs at byte 3 (0x61 vs 0x62)", "missing: text, 5 bytes"
};

struct AnswerComparison {
    std::vector<AnswerDifference> rows;  // one per index, max(recorded, replayed) of them
    int same = 0, different = 0, missing = 0, extra = 0;

    bool allSame() const { return different == 0 && missing == 0 && extra == 0; }
    // "12 answers: 10 same, 1 different (#4), 1 missing" / "3 answers, all the same".
    QString summary() const;
};

AnswerComparison compareAnswers(const std::vector<ReplayStep>& recorded,
                                const std::vector<ReplayStep>& replayed);

QString answerVerdictName(AnswerVerdict verdict);  // "same", "different", "missing", "extra"

}  // namespace sockscope::session
