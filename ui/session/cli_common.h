#pragma once
// What the console commands (serve, connect) share: exit statuses and the one
// format of an error line.

#include <QString>

namespace sockscope::session {

namespace exit_status {
inline constexpr int Ok = 0;             // clean close handshake
inline constexpr int Failure = 1;        // refused, rejected, protocol error, abnormal close
inline constexpr int Usage = 2;          // bad arguments (a bad URL, a bad --header)
inline constexpr int Interrupted = 130;  // Ctrl-C before the connection was open (shell convention)
}  // namespace exit_status

// "sockscope-cli: <message>" on stderr.
void printError(const QString& message);

}  // namespace sockscope::session
