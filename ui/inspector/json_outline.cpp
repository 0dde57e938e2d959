#include "inspector/json_outline.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStandardItemModel>

#include <algorithm>

namespace sockscope::ui {
namespace {

constexpr int kMaxDepth = 1024;  // QJsonDocument's own nesting limit

bool isSpace(QChar c) {
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r';
}

QString countText(qsizetype n, bool object) {
    if (object)
        return n == 1 ? QStringLiteral("1 key") : QStringLiteral("%1 keys").arg(n);
    return n == 1 ? QStringLiteral("1 item") : QStringLiteral("%1 items").arg(n);
}

class TreeReader {
public:
    TreeReader(QStringView json, int maxItems) : s_(json), left_(maxItems) {}

    // Reads the top-level object or array into `root`'s rows.
    bool read(QStandardItem* root) {
        space();
        if (at_ >= s_.size() || (s_[at_] != u'{' && s_[at_] != u'['))
            return false;
        members(root, 0);
        return true;
    }
    bool cut() const { return cut_; }

private:
    void space() {
        while (at_ < s_.size() && isSpace(s_[at_]))
            ++at_;
    }
    bool take(QChar c) {
        space();
        if (at_ < s_.size() && s_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }

    // The members of the object or array at at_ as rows of `parent` (none when null);
    // returns their count.
    qsizetype members(QStandardItem* parent, int depth) {
        const bool object = s_[at_] == u'{';
        const QChar close = object ? u'}' : u']';
        ++at_;
        qsizetype n = 0;
        if (take(close))
            return 0;
        while (at_ < s_.size()) {
            QString key;
            if (object) {
                space();
                key = unescape(string());
                if (!take(u':'))
                    return n;
            } else {
                key = QStringLiteral("[%1]").arg(n);
            }
            value(parent, key, depth);
            ++n;
            if (!take(u','))
                break;
        }
        take(close);
        return n;
    }

    void value(QStandardItem* parent, const QString& key, int depth) {
        space();
        if (at_ >= s_.size())
            return;
        const QChar c = s_[at_];
        QString type;
        QString text;
        const bool container = c == u'{' || c == u'[';
        if (c == u'"') {
            type = QStringLiteral("string");
            text = string().toString();
        } else if (!container) {
            const qsizetype from = at_;
            while (at_ < s_.size() && !isSpace(s_[at_]) && s_[at_] != u',' && s_[at_] != u'}' &&
                   s_[at_] != u']')
                ++at_;
            text = s_.sliced(from, at_ - from).toString();
            type = c == u't' || c == u'f' ? QStringLiteral("boolean")
                   : c == u'n'            ? QStringLiteral("null")
                                          : QStringLiteral("number");
        }
        QList<QStandardItem*> row;
        const bool keep = left_ > 0;
        if (keep) {
            --left_;
            row = {new QStandardItem(key), new QStandardItem(text), new QStandardItem(type)};
            for (QStandardItem* item : row)
                item->setEditable(false);
            parent->appendRow(row);
        } else {
            cut_ = true;
        }
        if (!container)
            return;
        if (depth >= kMaxDepth) {
            at_ = s_.size();  // deeper than the parser allows: not JSON we were given
            return;
        }
        // Past the budget the members are still read (no rows), so the reader stays in step.
        const qsizetype n = members(keep ? row[0] : nullptr, depth + 1);
        if (keep) {
            row[1]->setText(countText(n, c == u'{'));
            row[2]->setText(c == u'{' ? QStringLiteral("object") : QStringLiteral("array"));
        }
    }

    // The string at at_ with its quotes, as written.
    QStringView string() {
        const qsizetype from = at_;
        if (at_ >= s_.size() || s_[at_] != u'"')
            return {};
        ++at_;
        while (at_ < s_.size() && s_[at_] != u'"')
            at_ += s_[at_] == u'\\' ? 2 : 1;
        at_ = std::min(at_ + 1, s_.size());
        return s_.sliced(from, at_ - from);
    }

    static QString unescape(QStringView quoted) {
        if (quoted.size() >= 2)
            quoted = quoted.sliced(1, quoted.size() - 2);
        QString out;
        out.reserve(quoted.size());
        for (qsizetype i = 0; i < quoted.size(); ++i) {
            if (quoted[i] != u'\\' || i + 1 >= quoted.size()) {
                out += quoted[i];
                continue;
            }
            const QChar e = quoted[++i];
            switch (e.unicode()) {
                case u'n':
                    out += u'\n';
                    break;
                case u't':
                    out += u'\t';
                    break;
                case u'r':
                    out += u'\r';
                    break;
                case u'b':
                    out += u'\b';
                    break;
                case u'f':
                    out += u'\f';
                    break;
                case u'u':
                    if (i + 4 < quoted.size()) {
                        bool ok = false;
                        const ushort unit = quoted.sliced(i + 1, 4).toUShort(&ok, 16);
                        if (ok) {
                            // Surrogate halves join up by themselves: QString is UTF-16.
                            out += QChar(unit);
                            i += 4;
                            break;
                        }
                    }
                    out += e;
                    break;
                default:  // \" \\ \/
                    out += e;
            }
        }
        return out;
    }

    QStringView s_;
    qsizetype at_ = 0;
    int left_;
    bool cut_ = false;
};

}  // namespace

bool isJsonDocument(const QByteArray& utf8) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8, &error);
    return error.error == QJsonParseError::NoError && (doc.isObject() || doc.isArray());
}

void fillJsonModel(QStandardItemModel& model, QStringView json, int maxItems) {
    model.clear();
    model.setHorizontalHeaderLabels(
        {QStringLiteral("Key"), QStringLiteral("Value"), QStringLiteral("Type")});
    TreeReader reader(json, maxItems);
    if (reader.read(model.invisibleRootItem()) && reader.cut()) {
        auto* note = new QStandardItem(
            QStringLiteral("… the tree stops after %1 items; the text view has everything")
                .arg(maxItems));
        note->setEditable(false);
        model.appendRow(note);
    }
}

QString indentJson(QStringView json, int indent) {
    QString out;
    out.reserve(json.size() * 2);
    int depth = 0;
    const auto newline = [&] {
        out += u'\n';
        out += QString(depth * indent, u' ');
    };
    for (qsizetype i = 0; i < json.size(); ++i) {
        const QChar c = json[i];
        if (c == u'"') {
            const qsizetype from = i++;
            while (i < json.size() && json[i] != u'"')
                i += json[i] == u'\\' ? 2 : 1;
            i = std::min(i, json.size() - 1);
            out += json.sliced(from, i - from + 1);
        } else if (c == u'{' || c == u'[') {
            out += c;
            qsizetype next = i + 1;
            while (next < json.size() && isSpace(json[next]))
                ++next;
            if (next < json.size() && json[next] == (c == u'{' ? u'}' : u']')) {
                out += json[next];  // an empty one stays on its line
                i = next;
                continue;
            }
            ++depth;
            newline();
        } else if (c == u'}' || c == u']') {
            depth = std::max(0, depth - 1);
            newline();
            out += c;
        } else if (c == u',') {
            out += c;
            newline();
        } else if (c == u':') {
            out += QStringLiteral(": ");
        } else if (!isSpace(c)) {
            out += c;
        }
    }
    return out;
}

}  // namespace sockscope::ui
