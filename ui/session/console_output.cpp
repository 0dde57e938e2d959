#include "session/console_output.h"

#include <QByteArray>

namespace sockscope::session {

void writeLine(std::FILE* stream, std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stream);
    std::fputc('\n', stream);
    std::fflush(stream);
}

void writeLine(std::FILE* stream, const QString& line) {
    const QByteArray utf8 = line.toUtf8();
    writeLine(stream, std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())));
}

}  // namespace sockscope::session
