#pragma once
// A minimal synchronous in-memory stream used as Boost.Beast's next layer:
// read_some() serves pre-built bytes, write_some() discards (and counts) what
// Beast writes. It lets Beast's websocket::stream be timed without sockets.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/system/system_error.hpp>

namespace bench {

class MemoryStream {
public:
    using executor_type = boost::asio::io_context::executor_type;

    // Beast's websocket::stream builds a timer from the next layer's executor,
    // even when only synchronous operations are used.
    explicit MemoryStream(boost::asio::io_context& context) : executor_(context.get_executor()) {}

    executor_type get_executor() noexcept { return executor_; }

    // Serves `bytes` from the start; each read_some() returns at most maxRead bytes.
    void setInput(std::span<const std::uint8_t> bytes, std::size_t maxRead) {
        input_ = bytes;
        position_ = 0;
        maxRead_ = std::max<std::size_t>(1, maxRead);
    }
    void rewind() { position_ = 0; }
    bool atEnd() const { return position_ == input_.size(); }
    std::uint64_t bytesWritten() const { return written_; }

    template <typename MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, boost::beast::error_code& ec) {
        if (position_ == input_.size()) {
            ec = boost::asio::error::eof;
            return 0;
        }
        const std::size_t available = std::min(input_.size() - position_, maxRead_);
        const std::size_t n = boost::asio::buffer_copy(
            buffers, boost::asio::const_buffer(input_.data() + position_, available));
        position_ += n;
        ec = {};
        return n;
    }

    template <typename ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
        const std::size_t n = boost::asio::buffer_size(buffers);
        written_ += n;
        ec = {};
        return n;
    }

    // The throwing overloads complete Asio's SyncReadStream/SyncWriteStream
    // concepts; the benchmark only calls the error_code forms.
    template <typename MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers) {
        boost::beast::error_code ec;
        const std::size_t n = read_some(buffers, ec);
        if (ec) {
            throw boost::system::system_error(ec);
        }
        return n;
    }
    template <typename ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers) {
        boost::beast::error_code ec;
        return write_some(buffers, ec);
    }

private:
    executor_type executor_;
    std::span<const std::uint8_t> input_;
    std::size_t position_ = 0;
    std::size_t maxRead_ = 64 * 1024;
    std::uint64_t written_ = 0;
};

// Beast calls teardown() (found by ADL) when it closes or fails a connection.
inline void teardown(boost::beast::role_type, MemoryStream&, boost::beast::error_code& ec) {
    ec = {};
}

}  // namespace bench
