// make_sample_capture OUT.pcapng: writes the bundled sample capture
// (resources/sample.pcapng; what it holds is described in
// tests/support/sample_capture.h). The same bytes come out every run, and
// tst_sample_capture checks the committed file against them.
#include <cstdio>
#include <string>

#include "sample_capture.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_sample_capture OUT.pcapng\n");
        return 2;
    }
    const sockscope::test::Bytes bytes = sockscope::test::sample::captureBytes();
    if (bytes.empty()) {
        std::fprintf(stderr, "make_sample_capture: building the capture failed\n");
        return 1;
    }
    if (!sockscope::test::PcapBuilder::write(argv[1], bytes)) {
        std::fprintf(stderr, "make_sample_capture: cannot write %s\n", argv[1]);
        return 1;
    }
    std::printf("%s: %zu bytes\n", argv[1], bytes.size());
    return 0;
}
