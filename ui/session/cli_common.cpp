#include "session/cli_common.h"

#include "session/console_output.h"

namespace sockscope::session {

void printError(const QString& message) {
    writeLine(stderr, u"sockscope-cli: " + message);
}

}  // namespace sockscope::session
