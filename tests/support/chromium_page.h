#pragma once
// Headless Chromium as a real browser client: writes tests/cli/chromium_echo.html
// with a server's port filled in into a temporary directory and opens it in
// /usr/bin/chromium with a fresh profile. Shared by tests/cli/tst_chromium.cpp
// (serve's view of the session) and tests/dissector/tst_chromium_capture.cpp
// (the dissector's view of a capture of it), so both run the same page the
// same way.

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

#include <cstdint>

namespace sockscope::test {

inline QString chromiumPath() {
    return QStringLiteral("/usr/bin/chromium");
}

// The page (tests/cli/chromium_echo.html) sends text and binary messages of
// these sizes, in this order (text, then binary, for each size), checks every
// echo, then sends "RESULT ok extensions=..." and closes with 1000 "done".
inline const QList<int>& chromiumEchoSizes() {
    static const QList<int> sizes{0, 1, 125, 126, 65535, 65536, 1048576};
    return sizes;
}

// The page's makeText(n): its unit repeated and cut to n UTF-16 code units
// (every character is in the BMP, so QString cuts where JavaScript's slice
// does), then UTF-8 as WebSocket.send encodes it.
inline QByteArray chromiumEchoText(int n) {
    const QString unit = QStringLiteral("Sockscope \u00e9\u2713 0123456789 ");
    QString text;
    while (text.size() < n) {
        text += unit;
    }
    return text.left(n).toUtf8();
}

// The page's makeBinary(n): the top byte of each state of a 32-bit LCG. JS
// seeds with `(n * 2654435761) >>> 0` (exact in a double for these sizes, then
// taken mod 2^32) and steps with Math.imul, a 32-bit multiply: uint32 here.
inline QByteArray chromiumEchoBinary(int n) {
    QByteArray bytes(n, Qt::Uninitialized);
    auto x = static_cast<std::uint32_t>(static_cast<std::uint64_t>(n) * 2654435761u);
    for (int i = 0; i < n; ++i) {
        x = x * 1103515245u + 12345u;
        bytes[i] = static_cast<char>(x >> 24);
    }
    return bytes;
}

// Chromium on the echo page, started by the constructor and stopped by the
// destructor (SIGTERM first, so it shuts its helper processes down itself).
class ChromiumEchoPage {
public:
    explicit ChromiumEchoPage(quint16 port) {
        if (!dir_.isValid()) {
            error_ = QStringLiteral("cannot make a temporary directory");
            return;
        }
        QFile source(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/tests/cli/chromium_echo.html"));
        if (!source.open(QIODevice::ReadOnly)) {
            error_ = QStringLiteral("cannot read ") + source.fileName();
            return;
        }
        const QByteArray html = source.readAll().replace("@PORT@", QByteArray::number(port));
        QFile page(dir_.filePath(QStringLiteral("echo.html")));
        if (!page.open(QIODevice::WriteOnly) || page.write(html) != html.size()) {
            error_ = QStringLiteral("cannot write ") + page.fileName();
            return;
        }
        page.close();

        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(
            chromiumPath(),
            {QStringLiteral("--headless"), QStringLiteral("--no-sandbox"),
             QStringLiteral("--disable-gpu"), QStringLiteral("--disable-quic"),
             QStringLiteral("--no-first-run"), QStringLiteral("--disable-background-networking"),
             QStringLiteral("--disable-component-update"), QStringLiteral("--disable-sync"),
             QStringLiteral("--user-data-dir=") + dir_.filePath(QStringLiteral("profile")),
             QUrl::fromLocalFile(page.fileName()).toString()});
        if (!process_.waitForStarted(10000)) {
            error_ = QStringLiteral("chromium did not start: ") + process_.errorString();
        }
    }
    ~ChromiumEchoPage() {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(5000)) {
                process_.kill();
                process_.waitForFinished(3000);
            }
        }
    }
    ChromiumEchoPage(const ChromiumEchoPage&) = delete;
    ChromiumEchoPage& operator=(const ChromiumEchoPage&) = delete;

    // Empty when the page was written and chromium started.
    const QString& error() const { return error_; }

    // The end of what chromium printed so far, for failure messages.
    QByteArray logTail(qsizetype bytes = 2000) {
        log_ += process_.readAll();
        return log_.right(bytes);
    }

private:
    QTemporaryDir dir_;
    QProcess process_;
    QString error_;
    QByteArray log_;
};

}  // namespace sockscope::test
