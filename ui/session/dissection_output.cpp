#include "session/dissection_output.h"

#include <sockscope/dissector/dissector.h>
#include <sockscope/dissector/jsonl_sink.h>
#include <sockscope/dissector/text_sink.h>

namespace sockscope::session {

DissectionOutput::DissectionOutput(std::FILE* out, const DissectionOutputOptions& options,
                                   bool live) {
    if (options.format == OutputFormat::Jsonl) {
        dissector::JsonlSinkOptions sinkOptions;
        sinkOptions.filter = options.filter;
        sinkOptions.flushEachLine = live;
        jsonl_ = std::make_unique<dissector::JsonlSink>(out, sinkOptions);
    } else {
        dissector::TextSinkOptions sinkOptions;
        sinkOptions.filter = options.filter;
        sinkOptions.flushEachLine = live;
        text_ = std::make_unique<dissector::TextSink>(out, sinkOptions);
    }
}

DissectionOutput::~DissectionOutput() = default;

dissector::DissectionSink& DissectionOutput::sink() {
    if (jsonl_) {
        return *jsonl_;
    }
    return *text_;
}

void DissectionOutput::setTimeOrigin(dissector::Timestamp origin) {
    if (text_) {
        text_->setTimeOrigin(origin);
    }
}

bool DissectionOutput::flush() {
    return jsonl_ ? jsonl_->flush() : text_->flush();
}

// A browser writes a connection's secrets during its handshake; a short
// connection can end before the capture's key log check saw them.
constexpr std::int64_t kLiveKeyWaitSeconds = 2;

std::unique_ptr<dissector::Dissector> makeDissector(const DissectionOutputOptions& options,
                                                    dissector::DissectionSink& sink,
                                                    const dissector::KeyLog* keys, bool live) {
    dissector::DissectorOptions dissectorOptions = options.dissector;
    dissectorOptions.wsPorts = options.wsPorts;
    dissectorOptions.keyLog = keys;
    if (live)
        dissectorOptions.tlsKeyWaitSeconds = kLiveKeyWaitSeconds;
    if (options.maxAnomaliesPerKind) {
        dissectorOptions.maxAnomaliesPerKind = *options.maxAnomaliesPerKind;
    }
    return std::make_unique<dissector::Dissector>(dissectorOptions, sink);
}

}  // namespace sockscope::session
