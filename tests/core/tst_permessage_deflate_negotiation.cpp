// permessage-deflate (RFC 7692 §5, §7.1) negotiation: the client's offer, the
// server's choice among offers under a policy, and the client's check of the
// server's response, each as readable header text.

#include "sockscope/core/permessage_deflate.h"

#include <QString>
#include <QStringList>
#include <QTest>

#include <string>
#include <vector>

using namespace sockscope;

namespace {

// A tiny reader for test rows: "name; a; b=1, name2" (no quoted strings). It
// keeps the rows readable without depending on the extension header parser.
std::vector<Extension> extensions(const QString& text) {
    std::vector<Extension> list;
    for (const QString& element : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QStringList parts = element.split(QLatin1Char(';'));
        Extension e;
        e.name = parts.front().trimmed().toStdString();
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QString param = parts[i].trimmed();
            const qsizetype eq = param.indexOf(QLatin1Char('='));
            ExtensionParam p;
            p.name = param.left(eq < 0 ? param.size() : eq).toStdString();
            if (eq >= 0) {
                p.value = param.mid(eq + 1).toStdString();
            }
            e.params.push_back(p);
        }
        list.push_back(e);
    }
    return list;
}

QString text(const Extension& e) {
    QString s = QString::fromStdString(e.name);
    for (const ExtensionParam& p : e.params) {
        s += QStringLiteral("; ") + QString::fromStdString(p.name);
        if (p.value) {
            s += QLatin1Char('=') + QString::fromStdString(*p.value);
        }
    }
    return s;
}

// Row encoding of DeflateClientOffer::clientMaxWindowBits*: -1 absent,
// 0 valueless, 8..15 with that value. serverMaxWindowBits: 0 absent.
DeflateClientOffer clientOffer(bool snct, bool cnct, int smwb, int cmwb) {
    DeflateClientOffer o;
    o.serverNoContextTakeover = snct;
    o.clientNoContextTakeover = cnct;
    if (smwb != 0) {
        o.serverMaxWindowBits = smwb;
    }
    o.clientMaxWindowBitsValueless = cmwb == 0;
    if (cmwb > 0) {
        o.clientMaxWindowBits = cmwb;
    }
    return o;
}

QString paramsText(const DeflateParams& p) {
    return QStringLiteral("snct=%1 cnct=%2 smwb=%3 cmwb=%4")
        .arg(int(p.serverNoContextTakeover))
        .arg(int(p.clientNoContextTakeover))
        .arg(p.serverMaxWindowBits)
        .arg(p.clientMaxWindowBits);
}

}  // namespace

class TestPermessageDeflateNegotiation : public QObject {
    Q_OBJECT

private slots:
    void makesOffer_data() {
        QTest::addColumn<bool>("snct");
        QTest::addColumn<bool>("cnct");
        QTest::addColumn<int>("smwb");
        QTest::addColumn<int>("cmwb");
        QTest::addColumn<QString>("expected");
        QTest::newRow("nothing") << false << false << 0 << -1 << "permessage-deflate";
        QTest::newRow("valueless client window (default)")
            << false << false << 0 << 0 << "permessage-deflate; client_max_window_bits";
        QTest::newRow("everything")
            << true << true << 10 << 12
            << "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
               "server_max_window_bits=10; client_max_window_bits=12";
        QTest::newRow("window 8")
            << false << false << 8 << 8
            << "permessage-deflate; server_max_window_bits=8; client_max_window_bits=8";
    }

    void makesOffer() {
        QFETCH(bool, snct);
        QFETCH(bool, cnct);
        QFETCH(int, smwb);
        QFETCH(int, cmwb);
        QFETCH(QString, expected);
        QCOMPARE(text(makeDeflateOffer(clientOffer(snct, cnct, smwb, cmwb))), expected);
    }

    void acceptsOffer_data() {
        QTest::addColumn<QString>("offers");
        QTest::addColumn<bool>("policySnct");
        QTest::addColumn<bool>("policyCnct");
        QTest::addColumn<int>("policySmwb");
        QTest::addColumn<int>("policyCmwb");  // 0: no preference
        QTest::addColumn<QString>("response");
        QTest::addColumn<QString>("params");

        QTest::newRow("bare offer")
            << "permessage-deflate" << false << false << 15 << 0 << "permessage-deflate"
            << "snct=0 cnct=0 smwb=15 cmwb=15";
        QTest::newRow("client asks server_no_context_takeover")
            << "permessage-deflate; server_no_context_takeover" << false << false << 15 << 0
            << "permessage-deflate; server_no_context_takeover"
            << "snct=1 cnct=0 smwb=15 cmwb=15";
        QTest::newRow("policy wants server_no_context_takeover")
            << "permessage-deflate" << true << false << 15 << 0
            << "permessage-deflate; server_no_context_takeover"
            << "snct=1 cnct=0 smwb=15 cmwb=15";
        QTest::newRow("client announces client_no_context_takeover")
            << "permessage-deflate; client_no_context_takeover" << false << false << 15 << 0
            << "permessage-deflate; client_no_context_takeover"
            << "snct=0 cnct=1 smwb=15 cmwb=15";
        QTest::newRow("policy wants client_no_context_takeover")
            << "permessage-deflate" << false << true << 15 << 0
            << "permessage-deflate; client_no_context_takeover"
            << "snct=0 cnct=1 smwb=15 cmwb=15";
        QTest::newRow("client limits server window, policy allows more")
            << "permessage-deflate; server_max_window_bits=10" << false << false << 15 << 0
            << "permessage-deflate; server_max_window_bits=10"
            << "snct=0 cnct=0 smwb=10 cmwb=15";
        QTest::newRow("client limits server window, policy is smaller")
            << "permessage-deflate; server_max_window_bits=12" << false << false << 9 << 0
            << "permessage-deflate; server_max_window_bits=9"
            << "snct=0 cnct=0 smwb=9 cmwb=15";
        QTest::newRow("policy announces a smaller server window unasked")
            << "permessage-deflate" << false << false << 11 << 0
            << "permessage-deflate; server_max_window_bits=11"
            << "snct=0 cnct=0 smwb=11 cmwb=15";
        QTest::newRow("client asks server window 8")
            << "permessage-deflate; server_max_window_bits=8" << false << false << 15 << 0
            << "permessage-deflate; server_max_window_bits=8"
            << "snct=0 cnct=0 smwb=8 cmwb=15";
        QTest::newRow("valueless client window, no policy")
            << "permessage-deflate; client_max_window_bits" << false << false << 15 << 0
            << "permessage-deflate"
            << "snct=0 cnct=0 smwb=15 cmwb=15";
        QTest::newRow("valueless client window, policy picks")
            << "permessage-deflate; client_max_window_bits" << false << false << 15 << 10
            << "permessage-deflate; client_max_window_bits=10"
            << "snct=0 cnct=0 smwb=15 cmwb=10";
        QTest::newRow("client window with value, no policy")
            << "permessage-deflate; client_max_window_bits=12" << false << false << 15 << 0
            << "permessage-deflate; client_max_window_bits=12"
            << "snct=0 cnct=0 smwb=15 cmwb=12";
        QTest::newRow("client window with value, policy smaller")
            << "permessage-deflate; client_max_window_bits=12" << false << false << 15 << 9
            << "permessage-deflate; client_max_window_bits=9"
            << "snct=0 cnct=0 smwb=15 cmwb=9";
        QTest::newRow("client window with value, policy larger")
            << "permessage-deflate; client_max_window_bits=10" << false << false << 15 << 14
            << "permessage-deflate; client_max_window_bits=10"
            << "snct=0 cnct=0 smwb=15 cmwb=10";
        QTest::newRow("policy client window needs the client's offer")
            << "permessage-deflate" << false << false << 15 << 10 << "permessage-deflate"
            << "snct=0 cnct=0 smwb=15 cmwb=15";
        QTest::newRow("all parameters")
            << "permessage-deflate; client_no_context_takeover; server_no_context_takeover; "
               "client_max_window_bits; server_max_window_bits=14"
            << false << false << 13 << 12
            << "permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
               "server_max_window_bits=13; client_max_window_bits=12"
            << "snct=1 cnct=1 smwb=13 cmwb=12";
        QTest::newRow("other extensions are skipped")
            << "x-webkit-deflate-frame, foo; bar=1, permessage-deflate; server_max_window_bits=10"
            << false << false << 15 << 0 << "permessage-deflate; server_max_window_bits=10"
            << "snct=0 cnct=0 smwb=10 cmwb=15";
        QTest::newRow("malformed first offer falls back to the next")
            << "permessage-deflate; server_max_window_bits=16, permessage-deflate; "
               "client_max_window_bits"
            << false << false << 15 << 11 << "permessage-deflate; client_max_window_bits=11"
            << "snct=0 cnct=0 smwb=15 cmwb=11";
        QTest::newRow("first acceptable offer wins")
            << "permessage-deflate; server_max_window_bits=9, permessage-deflate" << false << false
            << 15 << 0 << "permessage-deflate; server_max_window_bits=9"
            << "snct=0 cnct=0 smwb=9 cmwb=15";
    }

    void acceptsOffer() {
        QFETCH(QString, offers);
        QFETCH(bool, policySnct);
        QFETCH(bool, policyCnct);
        QFETCH(int, policySmwb);
        QFETCH(int, policyCmwb);
        QFETCH(QString, response);
        QFETCH(QString, params);
        DeflateServerPolicy policy;
        policy.serverNoContextTakeover = policySnct;
        policy.clientNoContextTakeover = policyCnct;
        policy.serverMaxWindowBits = policySmwb;
        if (policyCmwb != 0) {
            policy.clientMaxWindowBits = policyCmwb;
        }
        const DeflateNegotiation got = acceptDeflateOffer(extensions(offers), policy);
        QVERIFY2(!got.error, got.error ? got.error->c_str() : "");
        QVERIFY(got.params);
        QVERIFY(got.response);
        QCOMPARE(text(*got.response), response);
        QCOMPARE(paramsText(*got.params), params);

        // The client that made the accepted offer agrees on the same parameters.
        const std::vector<Extension> list = extensions(offers);
        for (const Extension& offer : list) {
            if (offer.name != "permessage-deflate") {
                continue;
            }
            DeflateClientOffer asClient = clientOffer(false, false, 0, -1);
            bool valid = true;
            for (const ExtensionParam& p : offer.params) {
                const int value = p.value ? std::stoi(*p.value) : 0;
                valid = valid && value <= 15;
                if (p.name == "server_no_context_takeover") {
                    asClient.serverNoContextTakeover = true;
                } else if (p.name == "client_no_context_takeover") {
                    asClient.clientNoContextTakeover = true;
                } else if (p.name == "server_max_window_bits") {
                    asClient.serverMaxWindowBits = value;
                } else if (p.name == "client_max_window_bits") {
                    asClient.clientMaxWindowBitsValueless = !p.value;
                    if (p.value) {
                        asClient.clientMaxWindowBits = value;
                    }
                }
            }
            if (!valid) {
                continue;  // the declined one
            }
            const DeflateNegotiation check = checkDeflateResponse(*got.response, asClient);
            QVERIFY2(!check.error, check.error ? check.error->c_str() : "");
            QVERIFY(check.params);
            QCOMPARE(paramsText(*check.params), params);
            break;
        }
    }

    void declinesMalformedOffer_data() {
        QTest::addColumn<QString>("offers");
        QTest::addColumn<QString>("why");
        QTest::newRow("unknown parameter") << "permessage-deflate; mystery"
                                           << "unknown parameter \"mystery\"";
        QTest::newRow("duplicate parameter")
            << "permessage-deflate; server_no_context_takeover; server_no_context_takeover"
            << "duplicate parameter \"server_no_context_takeover\"";
        QTest::newRow("duplicate window size")
            << "permessage-deflate; client_max_window_bits; client_max_window_bits=10"
            << "duplicate parameter \"client_max_window_bits\"";
        QTest::newRow("value on server_no_context_takeover")
            << "permessage-deflate; server_no_context_takeover=1"
            << "takes no value";
        QTest::newRow("value on client_no_context_takeover")
            << "permessage-deflate; client_no_context_takeover="
            << "takes no value";
        QTest::newRow("valueless server_max_window_bits")
            << "permessage-deflate; server_max_window_bits"
            << "needs a value";
        QTest::newRow("window 7") << "permessage-deflate; server_max_window_bits=7"
                                  << "\"7\"";
        QTest::newRow("window 16") << "permessage-deflate; client_max_window_bits=16"
                                   << "\"16\"";
        QTest::newRow("leading zero") << "permessage-deflate; server_max_window_bits=09"
                                      << "\"09\"";
        QTest::newRow("not a number") << "permessage-deflate; server_max_window_bits=1a"
                                      << "\"1a\"";
        QTest::newRow("sign") << "permessage-deflate; client_max_window_bits=+9"
                              << "\"+9\"";
        QTest::newRow("empty value") << "permessage-deflate; server_max_window_bits="
                                     << "\"\"";
        QTest::newRow("first reason of several") << "permessage-deflate; a, permessage-deflate; b"
                                                 << "unknown parameter \"a\"";
    }

    void declinesMalformedOffer() {
        QFETCH(QString, offers);
        QFETCH(QString, why);
        const DeflateNegotiation got = acceptDeflateOffer(extensions(offers), {});
        QVERIFY(!got.params);
        QVERIFY(!got.response);
        QVERIFY(got.error);
        QVERIFY2(QString::fromStdString(*got.error).contains(why), got.error->c_str());
    }

    void ignoresListsWithoutDeflate() {
        const DeflateNegotiation none = acceptDeflateOffer({}, {});
        QVERIFY(!none.params && !none.response && !none.error);
        const DeflateNegotiation other =
            acceptDeflateOffer(extensions(QStringLiteral("foo; bar")), {});
        QVERIFY(!other.params && !other.response && !other.error);
    }

    void checksResponse_data() {
        QTest::addColumn<bool>("snct");
        QTest::addColumn<bool>("cnct");
        QTest::addColumn<int>("smwb");
        QTest::addColumn<int>("cmwb");
        QTest::addColumn<QString>("response");
        QTest::addColumn<QString>("params");  // empty: rejected
        QTest::addColumn<QString>("why");

        // Happy
        QTest::newRow("bare") << false << false << 0 << 0 << "permessage-deflate"
                              << "snct=0 cnct=0 smwb=15 cmwb=15"
                              << "";
        QTest::newRow("server picks our client window")
            << false << false << 0 << 0 << "permessage-deflate; client_max_window_bits=9"
            << "snct=0 cnct=0 smwb=15 cmwb=9"
            << "";
        QTest::newRow("server announces its own window unasked")
            << false << false << 0 << -1 << "permessage-deflate; server_max_window_bits=8"
            << "snct=0 cnct=0 smwb=8 cmwb=15"
            << "";
        QTest::newRow("server answers a smaller window")
            << false << false << 12 << -1 << "permessage-deflate; server_max_window_bits=10"
            << "snct=0 cnct=0 smwb=10 cmwb=15"
            << "";
        QTest::newRow("server adds no context takeover unasked")
            << false << false << 0 << -1
            << "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
            << "snct=1 cnct=1 smwb=15 cmwb=15"
            << "";
        QTest::newRow("our client_no_context_takeover holds unechoed")
            << false << true << 0 << -1 << "permessage-deflate"
            << "snct=0 cnct=1 smwb=15 cmwb=15"
            << "";
        QTest::newRow("our client window holds unechoed")
            << false << false << 0 << 11 << "permessage-deflate"
            << "snct=0 cnct=0 smwb=15 cmwb=11"
            << "";
        // Rainy
        QTest::newRow("another extension") << false << false << 0 << 0 << "x-deflate"
                                           << ""
                                           << "not permessage-deflate";
        QTest::newRow("unknown parameter")
            << false << false << 0 << 0 << "permessage-deflate; mystery=1"
            << ""
            << "unknown parameter \"mystery\"";
        QTest::newRow("duplicate parameter")
            << false << false << 0 << 0
            << "permessage-deflate; client_no_context_takeover; client_no_context_takeover"
            << ""
            << "duplicate parameter";
        QTest::newRow("value on a valueless parameter")
            << false << false << 0 << 0 << "permessage-deflate; server_no_context_takeover=yes"
            << ""
            << "takes no value";
        QTest::newRow("window out of range")
            << false << false << 0 << 0 << "permessage-deflate; server_max_window_bits=20"
            << ""
            << "\"20\"";
        QTest::newRow("valueless client window in a response")
            << false << false << 0 << 0 << "permessage-deflate; client_max_window_bits"
            << ""
            << "needs a value";
        QTest::newRow("client window we did not offer")
            << false << false << 0 << -1 << "permessage-deflate; client_max_window_bits=10"
            << ""
            << "did not include it";
        QTest::newRow("client window above what we announced")
            << false << false << 0 << 10 << "permessage-deflate; client_max_window_bits=11"
            << ""
            << "larger than the 10";
        QTest::newRow("server window above what we asked")
            << false << false << 10 << -1 << "permessage-deflate; server_max_window_bits=11"
            << ""
            << "larger than the 10";
        QTest::newRow("server window we asked for is missing")
            << false << false << 10 << -1 << "permessage-deflate"
            << ""
            << "lacks server_max_window_bits";
        QTest::newRow("server_no_context_takeover we asked for is missing")
            << true << false << 0 << -1 << "permessage-deflate"
            << ""
            << "lacks server_no_context_takeover";
    }

    void checksResponse() {
        QFETCH(bool, snct);
        QFETCH(bool, cnct);
        QFETCH(int, smwb);
        QFETCH(int, cmwb);
        QFETCH(QString, response);
        QFETCH(QString, params);
        QFETCH(QString, why);
        const std::vector<Extension> list = extensions(response);
        QCOMPARE(list.size(), std::size_t(1));
        const DeflateNegotiation got =
            checkDeflateResponse(list.front(), clientOffer(snct, cnct, smwb, cmwb));
        QVERIFY(!got.response);
        if (params.isEmpty()) {
            QVERIFY(!got.params);
            QVERIFY(got.error);
            QVERIFY2(QString::fromStdString(*got.error).contains(why), got.error->c_str());
        } else {
            QVERIFY2(!got.error, got.error ? got.error->c_str() : "");
            QVERIFY(got.params);
            QCOMPARE(paramsText(*got.params), params);
        }
    }
};

QTEST_APPLESS_MAIN(TestPermessageDeflateNegotiation)
#include "tst_permessage_deflate_negotiation.moc"
