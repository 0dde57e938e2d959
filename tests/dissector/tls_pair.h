#pragma once
// Real TLS traffic made in the test process: an OpenSSL (libssl) client and
// server talking over memory BIOs, no network. It keeps every byte each side
// wrote, in wire order, and the NSS key log lines the client's library wrote
// (SSL_CTX_set_keylog_callback), so a passive decoder can be checked against
// what the peers really sent. Certificates are made in memory for each run
// (EC P-256 and RSA-2048, self-signed): no key material lives in the repo.
// Qt-free.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sockscope/dissector/events.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sockscope::test {

struct TlsPairConfig {
    int version = TLS1_3_VERSION;  // forced: minimum = maximum
    std::string ciphersuites;      // TLS 1.3, e.g. "TLS_AES_128_GCM_SHA256"
    std::string cipherList;        // TLS 1.2, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
    bool rsaCertificate = false;   // ECDHE-RSA suites need one; else EC P-256
    bool extendedMasterSecret = true;
    std::string serverName = "example.test";
    std::vector<std::string> alpn = {"h2", "http/1.1"};  // the client's offer
    std::string serverAlpn = "http/1.1";                 // what the server picks
    std::string clientGroups;      // e.g. "X25519:P-256": a key share for the first only
    std::string serverGroups;      // e.g. "P-256": forces a HelloRetryRequest
    std::size_t blockPadding = 0;  // TLS 1.3: pad records to a multiple of this
    bool earlyData = false;        // tickets that allow 0-RTT (else no tickets at all)
    std::size_t maxFragment = 0;   // records of at most this many plaintext bytes (512..16384)
};

struct WireChunk {
    dissector::Direction dir;
    std::vector<std::uint8_t> bytes;
};

class TlsPair {
public:
    explicit TlsPair(const TlsPairConfig& config) { setup(config); }

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

private:
    bool setup(const TlsPairConfig& config) {
        clientCtx_.reset(SSL_CTX_new(TLS_client_method()));
        serverCtx_.reset(SSL_CTX_new(TLS_server_method()));
        if (!clientCtx_ || !serverCtx_)
            return fail("SSL_CTX_new");
        for (SSL_CTX* ctx : {clientCtx_.get(), serverCtx_.get()}) {
            SSL_CTX_set_min_proto_version(ctx, config.version);
            SSL_CTX_set_max_proto_version(ctx, config.version);
            if (!config.ciphersuites.empty() &&
                SSL_CTX_set_ciphersuites(ctx, config.ciphersuites.c_str()) != 1)
                return fail("SSL_CTX_set_ciphersuites " + config.ciphersuites);
            if (!config.cipherList.empty() &&
                SSL_CTX_set_cipher_list(ctx, config.cipherList.c_str()) != 1)
                return fail("SSL_CTX_set_cipher_list " + config.cipherList);
            if (!config.extendedMasterSecret)
                SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
            // No tickets unless 0-RTT is wanted: the server's flights are the handshake.
            SSL_CTX_set_num_tickets(ctx, config.earlyData ? 1 : 0);
            if (config.earlyData)
                SSL_CTX_set_max_early_data(ctx, 16384);
            if (config.maxFragment != 0)
                SSL_CTX_set_max_send_fragment(ctx, config.maxFragment);
            if (config.blockPadding != 0)
                SSL_CTX_set_block_padding(ctx, config.blockPadding);
            // Client-initiated renegotiation is off by default since OpenSSL 3.0.
            SSL_CTX_set_options(ctx, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
        }
        if (!config.clientGroups.empty() &&
            SSL_CTX_set1_groups_list(clientCtx_.get(), config.clientGroups.c_str()) != 1)
            return fail("client groups");
        if (!config.serverGroups.empty() &&
            SSL_CTX_set1_groups_list(serverCtx_.get(), config.serverGroups.c_str()) != 1)
            return fail("server groups");
        SSL_CTX_set_keylog_callback(clientCtx_.get(), [](const SSL* ssl, const char* line) {
            static_cast<TlsPair*>(SSL_get_app_data(ssl))->keyLog += std::string(line) + "\n";
        });
        if (!useCertificate(config.rsaCertificate))
            return false;
        serverAlpn_ = config.serverAlpn;
        SSL_CTX_set_alpn_select_cb(
            serverCtx_.get(),
            [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void* arg) {
                const auto& wanted = *static_cast<std::string*>(arg);
                for (unsigned i = 0; i < inlen;) {
                    const unsigned n = in[i];
                    if (i + 1 + n > inlen)
                        break;
                    if (std::string(reinterpret_cast<const char*>(in + i + 1), n) == wanted) {
                        *out = in + i + 1;
                        *outlen = static_cast<unsigned char>(n);
                        return SSL_TLSEXT_ERR_OK;
                    }
                    i += 1 + n;
                }
                return SSL_TLSEXT_ERR_NOACK;
            },
            &serverAlpn_);

        config_ = config;
        return newConnection();
    }

    bool newConnection() {
        client_.reset(SSL_new(clientCtx_.get()));
        server_.reset(SSL_new(serverCtx_.get()));
        if (!client_ || !server_)
            return fail("SSL_new");
        SSL_set_app_data(client_.get(), this);
        SSL_set_connect_state(client_.get());
        SSL_set_accept_state(server_.get());
        if (!config_.serverName.empty())
            SSL_set_tlsext_host_name(client_.get(), config_.serverName.c_str());
        if (!config_.alpn.empty()) {
            std::vector<unsigned char> protos;
            for (const auto& p : config_.alpn) {
                protos.push_back(static_cast<unsigned char>(p.size()));
                protos.insert(protos.end(), p.begin(), p.end());
            }
            SSL_set_alpn_protos(client_.get(), protos.data(), static_cast<unsigned>(protos.size()));
        }
        // Each side writes into its own memory BIO; pump() carries the bytes over.
        SSL_set_bio(client_.get(), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        SSL_set_bio(server_.get(), BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
        return true;
    }

public:
    // The client's session (for resumption; SSL_SESSION_free it), or null.
    SSL_SESSION* session() const { return SSL_get1_session(client_.get()); }

    // A new connection on the same contexts (so the server knows its
    // tickets) resuming `session`; what was recorded so far is cleared.
    bool reconnect(SSL_SESSION* session) {
        // A connection freed without close_notify takes its session out of
        // the cache (OpenSSL marks it not resumable).
        close();
        wire.clear();
        keyLog.clear();
        clientSent.clear();
        serverSent.clear();
        return newConnection() && SSL_set_session(client_.get(), session) == 1;
    }

    // TLS 1.3 0-RTT: the client sends `bytes` as early data with its
    // ClientHello; the server reads them (accepted) and both finish the handshake.
    bool earlyDataAndHandshake(std::span<const std::uint8_t> bytes) {
        std::size_t written = 0;
        if (SSL_write_early_data(client_.get(), bytes.data(), bytes.size(), &written) != 1 ||
            written != bytes.size())
            return fail("SSL_write_early_data: " + sslErrors());
        pump();
        std::vector<std::uint8_t> got(bytes.size() + 1);
        std::size_t have = 0;
        for (int round = 0; round < 100; ++round) {
            std::size_t n = 0;
            const int r =
                SSL_read_early_data(server_.get(), got.data() + have, got.size() - have, &n);
            const bool retry = r != SSL_READ_EARLY_DATA_ERROR || wantsIo(server_.get(), -1);
            pump();
            have += n;
            if (r == SSL_READ_EARLY_DATA_FINISH)
                break;
            if (!retry)
                return fail("SSL_read_early_data: " + sslErrors());
            // The client answers the server's flight with EndOfEarlyData and Finished.
            const int c = SSL_do_handshake(client_.get());
            const bool clientOk = wantsIo(client_.get(), c);
            pump();
            if (!clientOk)
                return fail("client after early data: " + sslErrors());
        }
        if (have != bytes.size() || !std::equal(bytes.begin(), bytes.end(), got.begin()))
            return fail("the server did not read the early data back");
        if (SSL_get_early_data_status(server_.get()) != SSL_EARLY_DATA_ACCEPTED)
            return fail("early data was not accepted");
        return handshake();
    }

public:
    bool handshake() {
        for (int round = 0; ok() && round < 50; ++round) {
            // SSL_get_error right after each call: pump() changes the BIOs' retry flags.
            const int c = SSL_do_handshake(client_.get());
            const bool clientOk = wantsIo(client_.get(), c);
            pump();
            const int s = SSL_do_handshake(server_.get());
            const bool serverOk = wantsIo(server_.get(), s);
            pump();
            if (c == 1 && s == 1)
                return true;
            if (!clientOk || !serverOk)
                return fail("handshake: " + sslErrors());
        }
        return fail("handshake did not finish in 50 rounds");
    }

    // `from` writes `bytes`; the peer reads them all back (checked).
    bool send(dissector::Direction from, std::span<const std::uint8_t> bytes) {
        if (bytes.empty())
            return true;  // OpenSSL writes no record for zero bytes
        SSL* writer = from == dissector::Direction::Client ? client_.get() : server_.get();
        SSL* reader = from == dissector::Direction::Client ? server_.get() : client_.get();
        if (SSL_write(writer, bytes.data(), static_cast<int>(bytes.size())) !=
            static_cast<int>(bytes.size()))
            return fail("SSL_write: " + sslErrors());
        pump();
        std::vector<std::uint8_t> got(bytes.size());
        std::size_t have = 0;
        for (int round = 0; round < 10000 && have < got.size(); ++round) {
            const int n = SSL_read(reader, got.data() + have, static_cast<int>(got.size() - have));
            if (n <= 0) {
                const bool retry = wantsIo(reader, n);
                pump();
                if (!retry)
                    return fail("SSL_read: " + sslErrors());
                continue;
            }
            have += static_cast<std::size_t>(n);
        }
        pump();
        if (have != got.size() || !std::equal(got.begin(), got.end(), bytes.begin()))
            return fail("the peer read something else than was sent");
        (from == dissector::Direction::Client ? clientSent : serverSent)
            .insert((from == dissector::Direction::Client ? clientSent : serverSent).end(),
                    bytes.begin(), bytes.end());
        return true;
    }

    // TLS 1.3 KeyUpdate from `from`, asking the peer to update too
    // (update_requested) or not. The message goes out at once; the peer
    // reads it (and sends its own KeyUpdate with its next write).
    bool keyUpdate(dissector::Direction from, bool requestPeer) {
        SSL* ssl = from == dissector::Direction::Client ? client_.get() : server_.get();
        SSL* peer = from == dissector::Direction::Client ? server_.get() : client_.get();
        if (SSL_key_update(
                ssl, requestPeer ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED) != 1 ||
            SSL_do_handshake(ssl) != 1)
            return fail("SSL_key_update: " + sslErrors());
        pump();
        std::uint8_t byte = 0;
        const int n = SSL_read(peer, &byte, 1);
        const bool quiet = n <= 0 && wantsIo(peer, n);
        pump();
        if (!quiet)
            return fail("the peer did not take the KeyUpdate quietly");
        return true;
    }

    // TLS 1.2: the client renegotiates (a new handshake under the current
    // keys, with new randoms and a new master secret).
    bool renegotiate() {
        if (SSL_renegotiate(client_.get()) != 1)
            return fail("SSL_renegotiate: " + sslErrors());
        std::uint8_t byte = 0;
        for (int round = 0; round < 50; ++round) {
            const int c = SSL_do_handshake(client_.get());
            const bool clientOk = wantsIo(client_.get(), c);
            pump();
            const int s = SSL_read(server_.get(), &byte, 1);
            const bool serverOk = s <= 0 && wantsIo(server_.get(), s);
            pump();
            if (!serverOk)
                return fail("server during renegotiation: " + sslErrors());
            if (!clientOk)
                return fail("client during renegotiation: " + sslErrors());
            if (c == 1 && !SSL_renegotiate_pending(client_.get()))
                return true;
        }
        return fail("renegotiation did not finish in 50 rounds");
    }

    // Both sides send close_notify.
    void close() {
        SSL_shutdown(client_.get());
        pump();
        SSL_shutdown(server_.get());
        pump();
    }

    // Every byte written, in wire order, as it left each side.
    std::vector<WireChunk> wire;
    std::string keyLog;
    std::vector<std::uint8_t> clientSent;  // application data, in order
    std::vector<std::uint8_t> serverSent;

    // Everything one side wrote, concatenated.
    std::vector<std::uint8_t> stream(dissector::Direction dir) const {
        std::vector<std::uint8_t> out;
        for (const auto& chunk : wire)
            if (chunk.dir == dir)
                out.insert(out.end(), chunk.bytes.begin(), chunk.bytes.end());
        return out;
    }

private:
    struct CtxFree {
        void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    };
    struct SslFree {
        void operator()(SSL* p) const { SSL_free(p); }
    };

    bool fail(std::string what) {
        if (error_.empty())
            error_ = std::move(what);
        return false;
    }

    static bool wantsIo(SSL* ssl, int result) {
        const int e = SSL_get_error(ssl, result);
        return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE || result == 1;
    }

    static std::string sslErrors() {
        std::string out;
        while (const unsigned long e = ERR_get_error()) {
            char buffer[256];
            ERR_error_string_n(e, buffer, sizeof buffer);
            out += std::string(buffer) + "; ";
        }
        return out;
    }

    // Moves what each side wrote to the other, recording it.
    void pump() {
        for (int round = 0; round < 100; ++round) {
            const bool moved = move(client_.get(), server_.get(), dissector::Direction::Client) |
                               move(server_.get(), client_.get(), dissector::Direction::Server);
            if (!moved)
                return;
        }
    }
    bool move(SSL* from, SSL* to, dissector::Direction dir) {
        BIO* out = SSL_get_wbio(from);
        const int pending = static_cast<int>(BIO_ctrl_pending(out));
        if (pending <= 0)
            return false;
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(pending));
        const int n = BIO_read(out, bytes.data(), pending);
        if (n <= 0)
            return false;
        bytes.resize(static_cast<std::size_t>(n));
        BIO_write(SSL_get_rbio(to), bytes.data(), n);
        wire.push_back({dir, std::move(bytes)});
        return true;
    }

    bool useCertificate(bool rsa) {
        EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
        X509* cert = X509_new();
        bool good = key && cert;
        if (good) {
            X509_set_version(cert, 2);
            ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
            X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
            X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
            X509_NAME* name = X509_get_subject_name(cert);
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("example.test"), -1,
                                       -1, 0);
            X509_set_issuer_name(cert, name);
            X509_set_pubkey(cert, key);
            good = X509_sign(cert, key, EVP_sha256()) > 0 &&
                   SSL_CTX_use_certificate(serverCtx_.get(), cert) == 1 &&
                   SSL_CTX_use_PrivateKey(serverCtx_.get(), key) == 1;
        }
        X509_free(cert);
        EVP_PKEY_free(key);
        return good || fail("test certificate: " + sslErrors());
    }

    std::unique_ptr<SSL_CTX, CtxFree> clientCtx_, serverCtx_;
    std::unique_ptr<SSL, SslFree> client_, server_;
    std::string serverAlpn_;
    TlsPairConfig config_;
    std::string error_;
};

}  // namespace sockscope::test
