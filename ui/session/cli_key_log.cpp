#include "session/cli_key_log.h"

#include <sockscope/dissector/pcapng_secrets.h>

#include <QString>

#include <filesystem>

#include "session/cli_common.h"

namespace sockscope::session {
namespace {

// A key log with thousands of bad lines must not flood the terminal.
constexpr std::size_t kIssuesShown = 20;

void warn(const std::string& message) {
    printError(u"warning: " + QString::fromStdString(message));
}

}  // namespace

bool CliKeyLog::load(const std::vector<std::string>& files, bool following, std::string& error) {
    for (std::size_t i = 0; i < files.size(); ++i) {
        const std::string& path = files[i];
        std::uint64_t offset = 0;
        const bool last = i + 1 == files.size();
        std::error_code ignored;
        if (following && last && !std::filesystem::exists(path, ignored)) {
            // Started before the browser or runtime that will write it.
            warn("--keylog: " + path + " does not exist yet; it is read once it appears");
            followed_ = {path, 0};
            used_ = true;
            continue;
        }
        if (!log_.followFile(path, offset, error)) {
            error = "--keylog: " + error;
            return false;
        }
        if (!following || i + 1 < files.size())
            log_.finishText();
        reportIssues(path);
        followed_ = {path, offset};
        used_ = true;
    }
    return true;
}

void CliKeyLog::addCaptureSecrets(const std::string& capturePath) {
    if (capturePath == "-")
        return;
    dissector::PcapngSecrets secrets = dissector::readPcapngSecrets(capturePath);
    if (secrets.stoppedAt) {
        secretsStop_.emplace(*secrets.stoppedAt, capturePath + ": " + secrets.warnings.back());
        secrets.warnings.pop_back();
    }
    for (const std::string& warning : secrets.warnings)
        warn(capturePath + ": " + warning);
    for (const std::string& text : secrets.keyLogs) {
        log_.addCompleteText(text);
        reportIssues(capturePath + " (decryption secrets block)");
        used_ = true;
    }
}

void CliKeyLog::finishCaptureSecrets(std::optional<std::uint64_t> readerStoppedAt) {
    if (secretsStop_ && secretsStop_->first != readerStoppedAt)
        warn(secretsStop_->second);
    secretsStop_.reset();
}

bool CliKeyLog::follow() {
    auto& [path, offset] = followed_;
    if (path.empty())
        return false;
    const std::uint64_t before = log_.generation();
    std::string error;
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored))
        return false;  // not written yet (load said so), or moved away for a moment
    if (!log_.followFile(path, offset, error))
        warn("--keylog: " + error);
    reportIssues(path);
    return log_.generation() != before;
}

void CliKeyLog::reportIssues(const std::string& source) {
    const std::vector<dissector::KeyLogIssue> issues = log_.takeIssues();
    for (std::size_t i = 0; i < issues.size() && i < kIssuesShown; ++i) {
        const dissector::KeyLogIssue& issue = issues[i];
        warn(source + (issue.line > 0 ? " line " + std::to_string(issue.line) : std::string()) +
             ": " + issue.message);
    }
    if (issues.size() > kIssuesShown)
        warn(source + ": " + std::to_string(issues.size() - kIssuesShown) + " more lines skipped");
}

}  // namespace sockscope::session
