// importManifest() as a whole: format names and detection, refusing bad input
// without crashing or hanging, the shared helpers, and that every imported data
// file yields a pod that passes validate().
#include "importtest.h"
#include "manifest/importhelpers.h"
#include "manifest/validator.h"

#include <QRandomGenerator>

using namespace importtest;

class TestImporters : public QObject
{
    Q_OBJECT

private slots:
    void formatNames()
    {
        for (const auto format : {SourceFormat::Berth, SourceFormat::Compose,
                                  SourceFormat::Kubernetes, SourceFormat::Akash})
            QVERIFY(sourceFormatFromString(toString(format)) == format);
        QCOMPARE(toString(SourceFormat::Compose), u"compose"_s);
        QCOMPARE(toString(SourceFormat::Kubernetes), u"kubernetes"_s);
        QCOMPARE(toString(SourceFormat::Akash), u"akash"_s);
        QCOMPARE(toString(SourceFormat::Berth), u"berth"_s);
        QCOMPARE(sourceFormatFromString(u"docker-compose"_s), std::nullopt);
        QCOMPARE(sourceFormatFromString(QString()), std::nullopt);
    }

    void detection_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<std::optional<SourceFormat>>("format");
        QTest::newRow("berth") << QByteArray("apiVersion: berth/v1\nkind: Pod\n")
                               << std::optional(SourceFormat::Berth);
        QTest::newRow("compose") << QByteArray("services:\n  web:\n    image: nginx\n")
                                 << std::optional(SourceFormat::Compose);
        QTest::newRow("compose with version")
            << QByteArray("version: \"3.8\"\nservices:\n  web: {image: nginx}\n")
            << std::optional(SourceFormat::Compose);
        QTest::newRow("compose with profiles only")
            << QByteArray("services: {web: {image: nginx}}\nprofiles: {}\n")
            << std::optional(SourceFormat::Compose);
        QTest::newRow("kubernetes pod")
            << QByteArray("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n")
            << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("deployment after a service")
            << QByteArray("apiVersion: v1\nkind: Service\n---\napiVersion: apps/v1\n"
                          "kind: Deployment\n")
            << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("akash") << readData(u"akash/shop.yaml"_s)
                               << std::optional(SourceFormat::Akash);
        QTest::newRow("wordpress")
            << readData(u"compose/wordpress.yaml"_s) << std::optional(SourceFormat::Compose);
        QTest::newRow("nginx stream") << readData(u"kubernetes/nginx-deployment.yaml"_s)
                                      << std::optional(SourceFormat::Kubernetes);
        QTest::newRow("scalar") << QByteArray("hello") << std::optional<SourceFormat>();
        QTest::newRow("list") << QByteArray("- a\n- b\n") << std::optional<SourceFormat>();
        QTest::newRow("empty") << QByteArray() << std::optional<SourceFormat>();
        QTest::newRow("other mapping") << QByteArray("name: x\n") << std::optional<SourceFormat>();
        QTest::newRow("broken yaml") << QByteArray("services: [") << std::optional<SourceFormat>();
    }
    void detection()
    {
        QFETCH(QByteArray, text);
        QFETCH(std::optional<SourceFormat>, format);
        const auto detected = detectSourceFormat(text);
        QVERIFY2(detected == format, qPrintable(detected ? toString(*detected) : u"nothing"_s));
    }

    void berthManifestIsRefused()
    {
        const QByteArray text = "apiVersion: berth/v1\nkind: Pod\nmetadata: {name: x}\n";
        for (const auto from :
             {std::optional<SourceFormat>(), std::optional(SourceFormat::Berth)}) {
            const ImportResult result = importManifest(text, from);
            QVERIFY(!result.pod);
            QCOMPARE(result.diagnostics.size(), 1);
            QCOMPARE(result.diagnostics[0].severity, Severity::Error);
            QVERIFY(result.diagnostics[0].message.contains(
                u"this is already a Berth manifest; use `berthctl manifest validate`"_s));
        }
    }

    void badInput_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<std::optional<SourceFormat>>("from");
        QTest::addColumn<QString>("fragment");
        QByteArray garbage(4096, '\0');
        QRandomGenerator random(20240611);
        for (char &c : garbage)
            c = char(random.bounded(256));
        QTest::newRow("garbage bytes") << garbage << std::optional<SourceFormat>() << QString();
        QTest::newRow("garbage as compose")
            << garbage << std::optional(SourceFormat::Compose) << QString();
        QTest::newRow("over 1 MiB")
            << (QByteArray("services:\n  web:\n    image: nginx\n#") + QByteArray(MiB, 'x'))
            << std::optional<SourceFormat>() << u"at most 1048576 bytes"_s;
        QTest::newRow("10000 brackets") << QByteArray(10000, '[') << std::optional<SourceFormat>()
                                        << u"more than 64 levels deep"_s;
        QTest::newRow("10000 brackets as kubernetes")
            << QByteArray(10000, '[') << std::optional(SourceFormat::Kubernetes)
            << u"more than 64 levels deep"_s;
        // yaml-cpp 0.7 alone would loop forever on these.
        QTest::newRow("stray comma")
            << QByteArray(",") << std::optional<SourceFormat>() << u"stray ','"_s;
        QTest::newRow("comma after a document")
            << QByteArray("\"services\",") << std::optional(SourceFormat::Compose)
            << u"stray ','"_s;
        QTest::newRow("deep block nesting") << (QByteArray("services:\n  web:\n    image: ") +
                                                QByteArray(3000, '-').replace("-", "- "))
                                            << std::optional<SourceFormat>() << QString();
        QTest::newRow("deep but closed")
            << ("services: " + QByteArray(1500, '[') + QByteArray(1500, ']'))
            << std::optional<SourceFormat>() << QString();
        QTest::newRow("scalar document")
            << QByteArray("just text") << std::optional<SourceFormat>() << u"cannot tell"_s;
        QTest::newRow("scalar as compose")
            << QByteArray("just text") << std::optional(SourceFormat::Compose)
            << u"a compose file is a mapping"_s;
        QTest::newRow("scalar as akash") << QByteArray("42") << std::optional(SourceFormat::Akash)
                                         << u"an Akash SDL is a mapping"_s;
        QTest::newRow("scalar as kubernetes")
            << QByteArray("42") << std::optional(SourceFormat::Kubernetes)
            << u"no Pod or Deployment"_s;
        QTest::newRow("empty file")
            << QByteArray() << std::optional<SourceFormat>() << u"cannot tell"_s;
        QTest::newRow("no services") << QByteArray("services: {}\n")
                                     << std::optional<SourceFormat>() << u"has no services"_s;
        QTest::newRow("unclosed flow mapping")
            << QByteArray("services:\n  web: {image: nginx\n") << std::optional<SourceFormat>()
            << u"not valid YAML"_s;
        QByteArray bomb = "big: &big \"" + QByteArray(400000, 'y') +
                          "\"\nservices:\n  web:\n    image: x\n    command: [";
        for (int i = 0; i < 1000; ++i)
            bomb += "*big, ";
        bomb += "x]\n";
        QTest::newRow("alias bomb")
            << bomb << std::optional<SourceFormat>() << u"expands into too much data"_s;
    }
    void badInput()
    {
        QFETCH(QByteArray, text);
        QFETCH(std::optional<SourceFormat>, from);
        QFETCH(QString, fragment);
        const ImportResult result = importManifest(text, from);
        QVERIFY2(!result.pod, qPrintable(describe(result.diagnostics)));
        QVERIFY(hasErrors(result.diagnostics));
        if (!fragment.isEmpty())
            QVERIFY2(std::any_of(result.diagnostics.cbegin(), result.diagnostics.cend(),
                                 [&](const Diagnostic &d) { return d.message.contains(fragment); }),
                     qPrintable(describe(result.diagnostics)));
    }

    void yamlErrorsAreLocated()
    {
        const ImportResult result = importManifest("services:\n  web:\n    image: [nginx\n");
        QVERIFY(!result.pod);
        QCOMPARE(result.diagnostics.size(), 1);
        QVERIFY(result.diagnostics[0].message.startsWith(u"the file is not valid YAML"_s));
        QVERIFY(result.diagnostics[0].location.line >= 3); // 1-based: the flow list opens on line 3
        QVERIFY(result.diagnostics[0].location.column >= 1);
    }

    void tooManyEntries()
    {
        QByteArray text = "services:\n  web:\n    image: nginx\n    environment:\n";
        for (int i = 0; i < 1500; ++i)
            text += "      - K" + QByteArray::number(i) + "=v\n";
        const ImportResult result = importManifest(text);
        QVERIFY(result.pod);
        QCOMPARE(count(result, Severity::Error, u"services.web.environment"_s,
                       u"has 1500 entries, more than the 1024"_s),
                 1);
        QCOMPARE(result.pod->containers[0].env.size(), 1024);
    }

    void shellWords_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("words");
        QTest::newRow("plain") << u"nginx -g daemon off;"_s
                               << QStringList{u"nginx"_s, u"-g"_s, u"daemon"_s, u"off;"_s};
        QTest::newRow("single quotes") << u"sh -c 'echo \"hi\" $HOME'"_s
                                       << QStringList{u"sh"_s, u"-c"_s, u"echo \"hi\" $HOME"_s};
        QTest::newRow("double quotes")
            << u"echo \"a \\\"b\\\" \\n\""_s << QStringList{u"echo"_s, u"a \"b\" \\n"_s};
        QTest::newRow("backslash space") << u"ls my\\ dir"_s << QStringList{u"ls"_s, u"my dir"_s};
        QTest::newRow("empty quotes") << u"a '' b"_s << QStringList{u"a"_s, QString(), u"b"_s};
        QTest::newRow("spaces") << u"  a   b  "_s << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("nothing") << QString() << QStringList();
    }
    void shellWords()
    {
        QFETCH(QString, text);
        QFETCH(QStringList, words);
        QCOMPARE(importing::splitShellWords(text), words);
    }

    void shellWordsUnclosed()
    {
        QCOMPARE(importing::splitShellWords(u"sh -c 'echo"_s), std::nullopt);
        QCOMPARE(importing::splitShellWords(u"echo \"a"_s), std::nullopt);
        QCOMPARE(importing::splitShellWords(u"trailing \\"_s), std::nullopt);
    }

    void durations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<std::optional<std::int64_t>>("millis");
        QTest::newRow("seconds") << u"30s"_s << std::optional<std::int64_t>(30000);
        QTest::newRow("minutes and seconds") << u"1m30s"_s << std::optional<std::int64_t>(90000);
        QTest::newRow("hours") << u"2h"_s << std::optional<std::int64_t>(7200000);
        QTest::newRow("millis") << u"500ms"_s << std::optional<std::int64_t>(500);
        QTest::newRow("fraction") << u"1.5s"_s << std::optional<std::int64_t>(1500);
        QTest::newRow("micros round up") << u"10us"_s << std::optional<std::int64_t>(1);
        QTest::newRow("zero") << u"0"_s << std::optional<std::int64_t>(0);
        QTest::newRow("no unit") << u"30"_s << std::optional<std::int64_t>();
        QTest::newRow("unknown unit") << u"3d"_s << std::optional<std::int64_t>();
        QTest::newRow("negative") << u"-1s"_s << std::optional<std::int64_t>();
        QTest::newRow("empty") << QString() << std::optional<std::int64_t>();
        QTest::newRow("overflow") << u"9999999999999h"_s << std::optional<std::int64_t>();
    }
    void durations()
    {
        QFETCH(QString, text);
        QFETCH(std::optional<std::int64_t>, millis);
        QCOMPARE(importing::parseDurationMillis(text), millis);
    }

    void names()
    {
        QCOMPARE(importing::toDnsLabel(u"My_App.v2"_s, u"x"_s), u"my-app-v2"_s);
        QCOMPARE(importing::toDnsLabel(u"--web--"_s, u"x"_s), u"web"_s);
        QCOMPARE(importing::toDnsLabel(u"___"_s, u"fallback"_s), u"fallback"_s);
        QCOMPARE(importing::toDnsLabel(QString(100, u'a'), u"x"_s).size(), 63);
        QSet<QString> used;
        QCOMPARE(importing::portName(u"wordpress"_s, 80, used), u"wordpress-80"_s);
        QCOMPARE(importing::portName(u"a-very-long-container"_s, 8080, used), u"a-very-lon-8080"_s);
        QCOMPARE(importing::portName(u"wordpress"_s, 80, used), u"wordpress-80-2"_s);
        QCOMPARE(importing::portName(u"123"_s, 80, used), u"port-80"_s);
        for (const QString &name : used)
            QVERIFY2(name.size() <= 15, qPrintable(name));
        QVERIFY(importing::isCommonHttpPort(8080));
        QVERIFY(!importing::isCommonHttpPort(443));
    }

    void importedPodsValidate_data()
    {
        QTest::addColumn<QString>("file");
        for (const auto &file :
             {u"compose/wordpress.yaml"_s, u"compose/odd.yaml"_s, u"compose/port-conflict.yaml"_s,
              u"kubernetes/nginx-deployment.yaml"_s, u"kubernetes/api-pod.yaml"_s,
              u"akash/shop.yaml"_s})
            QTest::newRow(qPrintable(file)) << file;
    }
    void importedPodsValidate()
    {
        QFETCH(QString, file);
        const ImportResult result = importManifest(readData(file));
        QVERIFY(result.pod);
        const QList<Diagnostic> problems = validate(*result.pod);
        QVERIFY2(!hasErrors(problems), qPrintable(describe(problems)));
    }
};

QTEST_GUILESS_MAIN(TestImporters)
#include "tst_importers.moc"
