// The YAML writer: every string reads back as the same string (in yaml-cpp and
// in YAML 1.1 readers such as Podman's), and keys come in a readable order.
#include "manifest/yamlwriter.h"

#include <QJsonArray>
#include <QTest>

#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

class TestYamlWriter : public QObject
{
    Q_OBJECT

private slots:
    void stringsStayStrings_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("quoted");
        const auto row = [](const QString &text, bool quoted) {
            QTest::newRow(qPrintable(text.isEmpty() ? u"(empty)"_s : text)) << text << quoted;
        };
        // Would read as a number, boolean, null or timestamp: must be quoted.
        for (const auto &text : {u""_s,           u"80"_s,          u"0x1F"_s,
                                 u"1e3"_s,        u".5"_s,          u"-1"_s,
                                 u"+1"_s,         u"2024-01-01"_s,  u"yes"_s,
                                 u"No"_s,         u"ON"_s,          u"off"_s,
                                 u"y"_s,          u"true"_s,        u"False"_s,
                                 u"null"_s,       u"~"_s,           u".inf"_s,
                                 u"1:30"_s,       u"line\nbreak"_s, u"carriage\r\r"_s,
                                 u"nel\u0085x"_s, u"ls\u2028x"_s,   u"bell\x07"_s})
            row(text, true);
        // Plain text stays plain.
        for (const auto &text :
             {u"nginx"_s, u"shop.example.com"_s, u"/bin/sh"_s, u"dns"_s, u"Always"_s, u"grüße"_s})
            row(text, false);
        // Quoted or escaped by yaml-cpp itself, but still read back as written.
        for (const auto &text : {u"a: b"_s, u"#x"_s, u"- item"_s, u"[x]"_s, u"{x}"_s, u"*alias"_s,
                                 u"&anchor"_s, u"!tag"_s, u"%x"_s, u"@x"_s, u" padded "_s,
                                 u"it's"_s, u"say \"hi\""_s, u"tab\there"_s})
            row(text, false);
    }
    void stringsStayStrings()
    {
        QFETCH(QString, text);
        QFETCH(bool, quoted);
        const QByteArray yaml = toYaml(QJsonObject{{u"value"_s, text}});
        const YAML::Node node = YAML::Load(yaml.toStdString())["value"];
        QVERIFY2(node.IsScalar(), yaml.constData());
        QCOMPARE(QString::fromStdString(node.Scalar()), text);
        if (quoted) {
            QCOMPARE(node.Tag(), std::string("!")); // yaml-cpp's tag for a quoted scalar
            QVERIFY2(yaml.startsWith("value: \""), yaml.constData());
        }
    }

    void numbersAndBooleans()
    {
        const QByteArray yaml = toYaml(QJsonObject{
            {u"port"_s, 8080}, {u"ratio"_s, 0.25}, {u"on"_s, true}, {u"none"_s, QJsonValue::Null}});
        const YAML::Node root = YAML::Load(yaml.toStdString());
        QCOMPARE(root["port"].Scalar(), std::string("8080"));
        QCOMPARE(root["port"].Tag(), std::string("?"));
        QCOMPARE(root["ratio"].as<double>(), 0.25);
        QCOMPARE(root["on"].as<bool>(), true);
        QVERIFY(root["none"].IsNull());
    }

    void keysInReadableOrder()
    {
        const QJsonObject pod{
            {u"volumes"_s, QJsonArray{}},
            {u"containers"_s, QJsonArray{QJsonObject{{u"resources"_s, QJsonObject{}},
                                                     {u"name"_s, u"web"_s},
                                                     {u"image"_s, u"nginx"_s}}}},
            {u"metadata"_s, QJsonObject{{u"name"_s, u"x"_s}}},
            {u"kind"_s, u"Pod"_s},
            {u"apiVersion"_s, u"berth/v1"_s},
            {u"zeta"_s, 1},
            {u"alpha"_s, 2}};
        const QByteArray yaml = toYaml(pod);
        const QList<QByteArray> order{
            "apiVersion:",      "kind:",          "metadata:", "containers:", "  - name: web",
            "    image: nginx", "    resources:", "volumes:",  "alpha:",      "zeta:"};
        qsizetype at = -1;
        for (const auto &key : order) {
            const qsizetype found = yaml.indexOf(key);
            QVERIFY2(found > at, qPrintable(u"%1 out of order in\n%2"_s.arg(
                                     QString::fromUtf8(key), QString::fromUtf8(yaml))));
            at = found;
        }
    }

    void documentsAreSeparated()
    {
        const QByteArray yaml =
            toYamlDocuments({QJsonObject{{u"kind"_s, u"A"_s}}, QJsonObject{{u"kind"_s, u"B"_s}}});
        QCOMPARE(yaml, QByteArray("---\nkind: A\n---\nkind: B\n"));
    }
};

QTEST_GUILESS_MAIN(TestYamlWriter)
#include "tst_yamlwriter.moc"
