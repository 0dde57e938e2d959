// Sec-WebSocket-Extensions grammar (RFC 6455 §9.1, RFC 9110 §5.6): lists,
// parameters with and without values, quoted values, whitespace, empty
// elements, errors with the character position, and formatting back.

#include "sockscope/core/extension_header.h"

#include <QTest>

using namespace sockscope;

namespace {

// A parse result written out in one canonical line, so rows state the
// expected structure as text: "name(param, param=value); name2()".
QString describe(const std::vector<Extension>& extensions) {
    QStringList parts;
    for (const Extension& extension : extensions) {
        QStringList params;
        for (const ExtensionParam& param : extension.params) {
            params << QString::fromStdString(param.name) +
                          (param.value ? "=" + QString::fromStdString(*param.value) : QString());
        }
        parts << QString::fromStdString(extension.name) + "(" + params.join(", ") + ")";
    }
    return parts.join("; ");
}

}  // namespace

class TestExtensionHeader : public QObject {
    Q_OBJECT

private slots:
    void parsesExtensionList_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("parsed");

        QTest::newRow("single extension") << "permessage-deflate"
                                          << "permessage-deflate()";
        QTest::newRow("valueless parameter") << "permessage-deflate; client_max_window_bits"
                                             << "permessage-deflate(client_max_window_bits)";
        QTest::newRow("token value") << "permessage-deflate; server_max_window_bits=10"
                                     << "permessage-deflate(server_max_window_bits=10)";
        QTest::newRow("quoted value is unquoted")
            << "permessage-deflate; client_max_window_bits=\"10\""
            << "permessage-deflate(client_max_window_bits=10)";
        QTest::newRow("quoted-pair inside quotes") << "x; a=\"1\\0\""
                                                   << "x(a=10)";
        QTest::newRow("several parameters in order")
            << "permessage-deflate; server_no_context_takeover; client_max_window_bits=12"
            << "permessage-deflate(server_no_context_takeover, client_max_window_bits=12)";
        QTest::newRow("several extensions (offers in preference order)")
            << "permessage-deflate; client_max_window_bits, permessage-deflate, x-webkit"
            << "permessage-deflate(client_max_window_bits); permessage-deflate(); x-webkit()";
        QTest::newRow("whitespace around ; , =") << "  a ;b = 1 ;\tc= \"2\"  ,   d\t"
                                                 << "a(b=1, c=2); d()";
        QTest::newRow("no whitespace at all") << "a;b=1;c,d"
                                              << "a(b=1, c); d()";
        QTest::newRow("empty list elements (RFC 9110 §5.6.1)") << ", ,a ,, b,, "
                                                               << "a(); b()";
        QTest::newRow("empty header") << ""
                                      << "";
        QTest::newRow("only commas and spaces") << " , ,"
                                                << "";
        QTest::newRow("repeated parameter kept (deflate decides)") << "a; b=1; b=2"
                                                                   << "a(b=1, b=2)";
    }
    void parsesExtensionList() {
        QFETCH(QString, header);
        QFETCH(QString, parsed);
        const ExtensionListParse result = parseExtensionList(header.toStdString());
        QVERIFY2(!result.error, result.error ? result.error->c_str() : "");
        QCOMPARE(describe(result.extensions), parsed);
    }

    void rejectsMalformedList_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("error");

        QTest::newRow("parameter name missing at the end")
            << "permessage-deflate;"
            << "unexpected end of the list where a parameter name "
               "should start at position 19";
        QTest::newRow("space inside the extension list element")
            << "foo bar"
            << "unexpected 'b' after an extension (expected ',' or ';') at position 4";
        QTest::newRow("value on the extension name") << "foo=1"
                                                     << "unexpected '=' after an extension";
        QTest::newRow("list starts with ;") << "; foo"
                                            << "unexpected ';' where an extension name should "
                                               "start at position 0";
        QTest::newRow("missing value after =") << "foo; a="
                                               << "where a parameter value should "
                                                  "start at position 7";
        QTest::newRow("missing value before ;") << "foo; a= ;b"
                                                << "unexpected ';' where a "
                                                   "parameter value should start "
                                                   "at position 8";
        QTest::newRow("unterminated quoted string")
            << "foo; a=\"10"
            << "unterminated quoted string starting at position 7";
        QTest::newRow("quoted value is not a token (RFC 6455 §9.1)")
            << "foo; a=\"1 0\""
            << "unexpected SP in a quoted value (it must be a token, "
               "RFC 6455 §9.1) at position 9";
        QTest::newRow("empty quoted value") << "foo; a=\"\""
                                            << "empty quoted value at position 7";
        QTest::newRow("two values") << "foo; a=1 2"
                                    << "unexpected '2' after an extension";
        QTest::newRow("quoted extension name") << "\"foo\""
                                               << "unexpected '\"' where an "
                                                  "extension name should start";
        QTest::newRow("non-ASCII in a name") << QString::fromUtf8("f\u00f6o")
                                             << "unexpected 0xc3 after an extension "
                                                "(expected ',' or ';') at position 1";
        QTest::newRow("control character") << "foo;\x01"
                                           << "unexpected 0x01 where a parameter "
                                              "name should start at position 4";
    }
    void rejectsMalformedList() {
        QFETCH(QString, header);
        QFETCH(QString, error);
        const ExtensionListParse result = parseExtensionList(header.toStdString());
        QVERIFY(result.error);
        const QString actual = QString::fromStdString(*result.error);
        QVERIFY2(actual.contains(error), qPrintable(actual));
    }

    void formatsExtension_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("formatted");

        QTest::newRow("bare") << "permessage-deflate"
                              << "permessage-deflate";
        QTest::newRow("canonical spacing")
            << "permessage-deflate;client_max_window_bits ;server_max_window_bits= \"10\""
            << "permessage-deflate; client_max_window_bits; server_max_window_bits=10";
        QTest::newRow("list") << "a;b,,c"
                              << "a; b, c";
    }
    void formatsExtension() {
        QFETCH(QString, header);
        QFETCH(QString, formatted);
        const ExtensionListParse parsed = parseExtensionList(header.toStdString());
        QVERIFY(!parsed.error);
        const std::string text = formatExtensionList(parsed.extensions);
        QCOMPARE(QString::fromStdString(text), formatted);
        // Formatting is a fixed point of parsing.
        const ExtensionListParse again = parseExtensionList(text);
        QVERIFY(!again.error);
        QCOMPARE(describe(again.extensions), describe(parsed.extensions));
    }

    void formatsBuiltExtension() {
        Extension extension{
            "permessage-deflate",
            {{"server_no_context_takeover", std::nullopt}, {"client_max_window_bits", "10"}}};
        QCOMPARE(formatExtension(extension),
                 "permessage-deflate; server_no_context_takeover; client_max_window_bits=10");
        QCOMPARE(formatExtensionList({extension, Extension{"x-foo", {}}}),
                 "permessage-deflate; server_no_context_takeover; client_max_window_bits=10, "
                 "x-foo");
        QCOMPARE(formatExtensionList({}), "");
    }

    void quotesValuesThatAreNotTokens() {
        // Not valid per §9.1, but formatting must not produce an ambiguous list.
        const Extension extension{"x", {{"a", "1, b=\"2\""}}};
        const std::string text = formatExtension(extension);
        QCOMPARE(text, "x; a=\"1, b=\\\"2\\\"\"");
        // Its unquoted value is still not a token, so parsing refuses it rather
        // than seeing a second parameter b.
        QVERIFY(parseExtensionList(text).error);
    }
};

QTEST_APPLESS_MAIN(TestExtensionHeader)
#include "tst_extension_header.moc"
