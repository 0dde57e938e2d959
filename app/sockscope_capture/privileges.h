#pragma once
// What the capture helper does about holding capabilities (installed with
// cap_net_raw,cap_net_admin=eip, runnable by group sockscope).
//
// Done: the process can never gain privileges again (PR_SET_NO_NEW_PRIVS; it
// never executes anything anyway); every capability but CAP_NET_RAW and
// CAP_NET_ADMIN leaves the permitted, effective and inheritable sets at once
// (it matters when root runs the helper), the ambient set is cleared, and
// after the capture device is open these two go as well - before the filter
// is compiled, since compiling resolves host names. The standard descriptors
// are made sure to exist, every other inherited descriptor is closed, and the
// environment is emptied, so no variable changes what a library does.
// Not done: the bounding set is left alone (changing it needs CAP_SETPCAP,
// and with no execve() it could not matter), and the user and group ids are
// not changed (file capabilities keep the caller's own ids).
// Plain capget/capset system calls: no libcap needed.

#include <string>

namespace sockscope::capture {

// Descriptors 0-2 open (on /dev/null when missing), all others closed, the
// environment empty. Call first thing in main().
void sanitizeProcess();

enum class Keep { Capture, Nothing };
// Narrows the capability sets to `keep` and sets no-new-privileges. false and
// a reason when the kernel refused.
bool limitCapabilities(Keep keep, std::string& error);

// Whether CAP_NET_RAW is permitted: false when the helper was started
// without its file capabilities (a build tree's copy, a nosuid mount).
bool holdsCaptureCapability();

}  // namespace sockscope::capture
