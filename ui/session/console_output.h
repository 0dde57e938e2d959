#pragma once
// Line output for the console commands: every line is written whole and
// flushed at once, so a pipe reader (a test, `tee`) sees it immediately and
// stdout and stderr lines never wait in a buffer.

#include <cstdio>
#include <string_view>

#include <QString>

namespace sockscope::session {

// Writes `line` and a newline; bytes are written as they are (text messages are UTF-8).
void writeLine(std::FILE* stream, std::string_view line);
void writeLine(std::FILE* stream, const QString& line);

}  // namespace sockscope::session
