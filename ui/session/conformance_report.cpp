#include "session/conformance_report.h"
#include "session/qt_text.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace sockscope::session::conformance {
namespace {

QString tallyText(const Tally& tally) {
    QString text = QString::number(tally.total()) + u" cases: " + QString::number(tally.pass) +
                   u" pass, " + QString::number(tally.nonStrict) + u" non-strict, " +
                   QString::number(tally.fail) + u" fail";
    if (tally.unsupported > 0) {
        text += u", " + QString::number(tally.unsupported) + u" unsupported";
    }
    return text;
}

QJsonObject tallyJson(const Tally& tally) {
    QJsonObject object;
    object.insert(u"cases"_s, tally.total());
    object.insert(u"pass"_s, tally.pass);
    object.insert(u"non_strict"_s, tally.nonStrict);
    object.insert(u"fail"_s, tally.fail);
    object.insert(u"unsupported"_s, tally.unsupported);
    return object;
}

QString compact(const QJsonObject& object) {
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

std::string_view titleOf(std::string_view name) {
    for (const Group& group : groups()) {
        if (group.name == name) {
            return group.title;
        }
    }
    return name;
}

}  // namespace

void Tally::add(Verdict verdict) {
    switch (verdict) {
        case Verdict::Pass:
            ++pass;
            break;
        case Verdict::NonStrict:
            ++nonStrict;
            break;
        case Verdict::Fail:
            ++fail;
            break;
        case Verdict::Unsupported:
            ++unsupported;
            break;
    }
}

Summary summarize(const std::vector<CaseResult>& results) {
    Summary summary;
    for (const Group& group : groups()) {
        GroupTally entry;
        entry.name = std::string(group.name);
        for (const CaseResult& result : results) {
            if (result.testCase && result.testCase->group() == group.name) {
                entry.tally.add(result.verdict);
            }
        }
        if (entry.tally.total() > 0) {
            summary.groups.push_back(std::move(entry));
        }
    }
    for (const CaseResult& result : results) {
        summary.overall.add(result.verdict);
    }
    return summary;
}

QString caseLineText(const CaseResult& result) {
    const QString id = result.testCase ? fromStd(result.testCase->id) : QStringLiteral("?");
    const QString description = result.testCase ? fromStd(result.testCase->description) : QString();
    return id.leftJustified(9) + fromStd(verdictName(result.verdict)).leftJustified(12) +
           QString::number(result.milliseconds).rightJustified(6) + u" ms  " + description + u": " +
           fromStd(result.reason);
}

QString caseLineJson(const CaseResult& result) {
    QJsonObject object;
    object.insert(u"event"_s, u"case"_s);
    if (result.testCase) {
        object.insert(u"id"_s, fromStd(result.testCase->id));
        object.insert(u"group"_s, fromStd(result.testCase->group()));
        object.insert(u"description"_s, fromStd(result.testCase->description));
        object.insert(u"rfc"_s, fromStd(result.testCase->rfc));
    }
    object.insert(u"verdict"_s, fromStd(verdictName(result.verdict)));
    object.insert(u"reason"_s, fromStd(result.reason));
    object.insert(u"ms"_s, result.milliseconds);
    return compact(object);
}

QStringList summaryLinesText(const Summary& summary) {
    QStringList lines;
    for (const GroupTally& group : summary.groups) {
        lines.append(fromStd(group.name).leftJustified(21) + tallyText(group.tally));
    }
    lines.append(QStringLiteral("overall").leftJustified(21) + tallyText(summary.overall));
    return lines;
}

QStringList summaryLinesJson(const Summary& summary) {
    QStringList lines;
    for (const GroupTally& group : summary.groups) {
        QJsonObject object = tallyJson(group.tally);
        object.insert(u"event"_s, u"group"_s);
        object.insert(u"group"_s, fromStd(group.name));
        object.insert(u"title"_s, fromStd(titleOf(group.name)));
        lines.append(compact(object));
    }
    QJsonObject overall = tallyJson(summary.overall);
    overall.insert(u"event"_s, u"summary"_s);
    overall.insert(u"strict"_s, summary.allPassed());
    lines.append(compact(overall));
    return lines;
}

}  // namespace sockscope::session::conformance
