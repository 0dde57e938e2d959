#include "inspector/capture_keys.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

namespace sockscope::ui {
namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("CaptureKeys", text);
}

QString counted(std::uint64_t n, const char* one, const char* many) {
    const QString text = n == 1 ? tr(one) : tr(many);
    return text.contains(QLatin1String("%1")) ? text.arg(n) : text;
}

}  // namespace

QString KeyLogReport::text() const {
    QString from = file.isEmpty() ? QString() : QFileInfo(file).fileName();
    if (secretsBlocks > 0) {
        const QString blocks = counted(secretsBlocks, "the capture's decryption secrets block",
                                       "the capture's %1 decryption secrets blocks");
        from = from.isEmpty() ? blocks : tr("%1 and %2").arg(from, blocks);
    }
    QString out;
    if (!error.isEmpty() && secretsBlocks == 0) {
        out = tr("TLS key log: %1").arg(error);
    } else {
        out = tr("TLS keys from %1: %2 for %3 read")
                  .arg(from, counted(keys, "%1 key", "%1 keys"),
                       counted(sessions, "%1 TLS session", "%1 TLS sessions"));
        if (!error.isEmpty())
            out += tr("; %1").arg(error);
    }
    if (skippedLines > 0) {
        const QString where =
            firstSkippedLine > 0 ? tr("line %1 of %2").arg(firstSkippedLine).arg(firstSkippedSource)
                                 : firstSkippedSource;
        out +=
            tr(", %1 (%2%3: %4)")
                .arg(counted(skippedLines, "%1 line skipped", "%1 lines skipped"),
                     skippedLines > 1 ? tr("the first: ") : QString(), where, firstSkippedReason);
    }
    if (!secretsWarning.isEmpty())
        out += tr("; %1").arg(secretsWarning);
    return out;
}

void CaptureKeys::load(const KeyLogSource& source, const std::string& capturePath) {
    loadFile(source);
    if (!capturePath.empty()) {
        // Read only when the file says it is pcapng: a pcap has no secrets blocks.
        QFile file(QFile::decodeName(capturePath.c_str()));
        if (file.open(QIODevice::ReadOnly) && file.read(4) == QByteArray("\x0a\x0d\x0d\x0a", 4))
            addSecrets(dissector::readPcapngSecrets(capturePath));
    }
    count();
}

void CaptureKeys::load(const KeyLogSource& source, std::span<const std::uint8_t> capture) {
    loadFile(source);
    if (capture.size() >= 4 && capture[0] == 0x0a && capture[1] == 0x0d && capture[2] == 0x0d &&
        capture[3] == 0x0a)
        addSecrets(dissector::readPcapngSecrets(capture));
    count();
}

void CaptureKeys::loadFile(const KeyLogSource& source) {
    source_ = source;
    report_.file = source.file;
    if (source.file.isEmpty())
        return;
    // A followed file may appear later (a browser creates it on its first
    // connection): the dissector holds records for keys from the start.
    used_ = source.follow;
    std::string error;
    if (log_.followFile(QFile::encodeName(source.file).toStdString(), offset_, error)) {
        used_ = true;
    } else {
        report_.error = QString::fromStdString(error);
    }
    if (!source.follow)
        log_.finishText();
    takeIssues(QFileInfo(source.file).fileName());
}

void CaptureKeys::addSecrets(const dissector::PcapngSecrets& secrets) {
    if (!secrets.warnings.empty() && report_.secretsWarning.isEmpty())
        report_.secretsWarning = QString::fromStdString(secrets.warnings.front());
    for (const std::string& text : secrets.keyLogs) {
        log_.addCompleteText(text);
        takeIssues(tr("decryption secrets block %1").arg(report_.secretsBlocks + 1));
        ++report_.secretsBlocks;
        used_ = true;
    }
}

bool CaptureKeys::follow() {
    if (!source_.follow || source_.file.isEmpty())
        return false;
    const std::uint64_t before = log_.generation();
    std::string error;
    if (log_.followFile(QFile::encodeName(source_.file).toStdString(), offset_, error))
        report_.error.clear();
    else
        report_.error = QString::fromStdString(error);
    takeIssues(QFileInfo(source_.file).fileName());
    count();
    return log_.generation() != before;
}

void CaptureKeys::takeIssues(const QString& source) {
    const std::vector<dissector::KeyLogIssue> issues = log_.takeIssues();
    if (!issues.empty() && report_.skippedLines == 0) {
        report_.firstSkippedLine = issues.front().line;
        report_.firstSkippedReason = QString::fromStdString(issues.front().message);
        report_.firstSkippedSource = source;
    }
    taken_ += issues.size();
    report_.skippedLines = taken_ + log_.droppedIssues();
}

void CaptureKeys::count() {
    report_.keys = log_.entryCount();
    report_.sessions = log_.clientRandomCount();
}

}  // namespace sockscope::ui
