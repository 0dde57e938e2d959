#pragma once
// JSON text for the content pane, in the order it was sent. QJsonDocument
// decides whether a payload is JSON, but it sorts object keys and drops
// duplicate ones (its objects are sorted maps); an inspector must show what
// was on the wire, so the tree and the indented text are made from the text
// itself. Both expect text QJsonDocument accepted and stop, without reading
// past the end, on anything else. Widget-free.

#include <QByteArray>
#include <QString>
#include <QStringView>

class QStandardItemModel;

namespace sockscope::ui {

// Whether `utf8` is a JSON object or array (by QJsonDocument).
bool isJsonDocument(const QByteArray& utf8);

// Fills `model` (cleared first) with columns Key, Value, Type: one row per
// member or element, nested. Scalars keep their text as sent (numbers keep
// every digit, strings their quotes and escapes); objects and arrays show
// their size. At most `maxItems` rows; a last top-level row says when the
// tree was cut.
void fillJsonModel(QStandardItemModel& model, QStringView json, int maxItems = 50000);

// The JSON indented by `indent` spaces per level, members in their original order.
QString indentJson(QStringView json, int indent = 4);

}  // namespace sockscope::ui
