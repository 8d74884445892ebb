// `berthctl manifest` as a user runs it: the real binary, real files, exit codes
// and exact output lines.
#include <QDir>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run berthctl(const QStringList &arguments, const QString &workingDirectory = {})
{
    QProcess process;
    process.setProgram(QStringLiteral(BERTH_BIN_DIR) + u"/berthctl"_s);
    process.setArguments(arguments);
    if (!workingDirectory.isEmpty())
        process.setWorkingDirectory(workingDirectory);
    process.start();
    if (!process.waitForFinished(30000)) {
        process.kill();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString examplesDir()
{
    return QStringLiteral(BERTH_EXAMPLES_DIR);
}

QStringList examples()
{
    QStringList files;
    QDirIterator it(examplesDir(), {u"*.yaml"_s}, QDir::Files);
    while (it.hasNext())
        files.append(it.next());
    files.sort();
    return files;
}

QString dataFile(const QString &relative)
{
    return QStringLiteral(BERTH_TEST_DATA_DIR) + u'/' + relative;
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(data);
}

const QByteArray Broken = R"(apiVersion: berth/v1
kind: Pod
metadata:
  name: Shop
containers:
  - name: web
    image: nginx
    imagePullPolicy: Always
    ports:
      - name: http
        containerPort: "80"
    resources:
      cpu: 250m
      memroy: 64Mi
)";

} // namespace

class TestBerthctl : public QObject
{
    Q_OBJECT

private slots:
    void versionAndHelp()
    {
        const Run version = berthctl({u"--version"_s});
        QCOMPARE(version.exitCode, 0);
        QCOMPARE(version.out, u"berthctl %1\n"_s.arg(QStringLiteral(BERTH_VERSION)));
        const Run help = berthctl({u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains(u"manifest"_s));
        const Run manifestHelp = berthctl({u"manifest"_s, u"validate"_s, u"--help"_s});
        QCOMPARE(manifestHelp.exitCode, 0);
        QVERIFY(manifestHelp.out.contains(u"FILE:LINE:COL: PATH: message"_s));
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing") << QStringList{} << u"Usage: berthctl"_s;
        QTest::newRow("unknown command") << QStringList{u"frob"_s} << u"unknown command \"frob\""_s;
        QTest::newRow("no subcommand") << QStringList{u"manifest"_s} << u"Subcommands:"_s;
        QTest::newRow("unknown subcommand")
            << QStringList{u"manifest"_s, u"lint"_s} << u"unknown manifest subcommand \"lint\""_s;
        QTest::newRow("no file") << QStringList{u"manifest"_s, u"validate"_s}
                                 << u"manifest validate needs a FILE"_s;
        QTest::newRow("unknown option")
            << QStringList{u"manifest"_s, u"validate"_s, u"--strict"_s, u"x.yaml"_s}
            << u"Unknown option 'strict'"_s;
        QTest::newRow("bad format")
            << QStringList{u"manifest"_s, u"render"_s, u"x.yaml"_s, u"--format"_s, u"toml"_s}
            << u"unknown format \"toml\": use yaml, json or kubernetes"_s;
        QTest::newRow("bad importer")
            << QStringList{u"manifest"_s, u"import"_s, u"x.yaml"_s, u"--from"_s, u"helm"_s}
            << u"unknown format \"helm\": use compose, kubernetes or akash"_s;
        QTest::newRow("two files to render")
            << QStringList{u"manifest"_s, u"render"_s, u"a.yaml"_s, u"b.yaml"_s}
            << u"manifest render takes one FILE"_s;
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Run run = berthctl(arguments);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QVERIFY(run.out.isEmpty());
    }

    void everyExampleValidates()
    {
        const QStringList files = examples();
        QVERIFY2(files.size() >= 5, "resources/examples must hold at least five manifests");
        const Run run = berthctl(QStringList{u"manifest"_s, u"validate"_s} + files);
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.isEmpty(), qPrintable(run.err));
        QStringList expected;
        for (const auto &file : files)
            expected.append(file + u": valid"_s);
        QCOMPARE(run.out.trimmed().split(u'\n'), expected);
    }

    void validateReportsEveryProblemAsFileLineColumn()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"broken.yaml"_s), Broken);
        writeFile(dir.filePath(u"good.yaml"_s), "apiVersion: berth/v1\nkind: Pod\n"
                                                "metadata: {name: ok}\ncontainers:\n"
                                                "  - {name: a, image: busybox, resources: "
                                                "{cpu: 100m, memory: 16Mi}}\n");
        const Run run =
            berthctl({u"manifest"_s, u"validate"_s, u"good.yaml"_s, u"broken.yaml"_s}, dir.path());
        QCOMPARE(run.exitCode, 1);
        const QStringList expected{
            u"good.yaml: valid"_s,
            u"broken.yaml:4:9: metadata.name: the pod name \"Shop\" is not a DNS label: use "
            u"lower-case letters, digits and '-', starting and ending with a letter or digit "
            u"(e.g. \"shop\")"_s,
            u"broken.yaml:8:5: containers[0].imagePullPolicy: unknown field \"imagePullPolicy\"; "
            u"the fields here are: name, image, command, args, workingDir, env, ports, "
            u"resources, volumeMounts, healthCheck"_s,
            u"broken.yaml:11:24: containers[0].ports[0].containerPort: expected a whole number, "
            u"got the text \"80\": remove the quotes"_s,
            u"broken.yaml:12:5: containers[0].resources.memory: resources.memory is required: "
            u"the price depends on it (e.g. memory: 256Mi)"_s,
            u"broken.yaml:14:7: containers[0].resources.memroy: unknown field \"memroy\"; did you "
            u"mean \"memory\"?"_s,
        };
        QCOMPARE(run.out.trimmed().split(u'\n'), expected);
    }

    void validateJson()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"broken.yaml"_s), Broken);
        const Run run =
            berthctl({u"manifest"_s, u"validate"_s, u"--json"_s, dir.filePath(u"broken.yaml"_s)});
        QCOMPARE(run.exitCode, 1);
        const QJsonObject report = QJsonDocument::fromJson(run.out.toUtf8()).object();
        QCOMPARE(report.value(u"valid"_s).toBool(true), false);
        const QJsonArray problems = report.value(u"problems"_s).toArray();
        QCOMPARE(problems.size(), 5);
        const QJsonObject first = problems.at(0).toObject();
        QCOMPARE(first.value(u"path"_s).toString(), u"metadata.name"_s);
        QCOMPARE(first.value(u"line"_s).toInt(), 4);
        QCOMPARE(first.value(u"column"_s).toInt(), 9);
        QCOMPARE(first.value(u"severity"_s).toString(), u"error"_s);
    }

    void validateMissingAndMalformedFiles()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"garbage.yaml"_s), QByteArray("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
        writeFile(dir.filePath(u"unclosed.json"_s),
                  "{\"apiVersion\": \"berth/v1\",\n \"kind\": [\n");
        const Run run = berthctl({u"manifest"_s, u"validate"_s, u"missing.yaml"_s,
                                  u"garbage.yaml"_s, u"unclosed.json"_s},
                                 dir.path());
        QCOMPARE(run.exitCode, 1);
        const QStringList lines = run.out.trimmed().split(u'\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].startsWith(u"missing.yaml:0:0: (document): cannot read the file"_s),
                 qPrintable(lines[0]));
        QVERIFY2(lines[1].startsWith(u"garbage.yaml:3:1: (document): the file contains a NUL"_s),
                 qPrintable(lines[1]));
        QVERIFY2(lines[2].startsWith(u"unclosed.json:3:1: (document): not valid JSON"_s),
                 qPrintable(lines[2]));
    }

    void warningsDoNotFail()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"pod.yaml"_s),
                  "apiVersion: berth/v1\nkind: Pod\nmetadata: {name: ok}\ncontainers:\n"
                  "  - {name: a, image: busybox, resources: {cpu: 100m, memory: 16Mi}}\n"
                  "volumes:\n  - name: unused\n    emptyDir: {}\n");
        const Run run = berthctl({u"manifest"_s, u"validate"_s, u"pod.yaml"_s}, dir.path());
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, u"pod.yaml:7:11: volumes[0].name: warning: volume \"unused\" is not "
                          u"mounted by any container: mount it or remove it\npod.yaml: valid\n"_s);
    }

    void renderFormats()
    {
        const QString example = examplesDir() + u"/webapp-db.yaml"_s;
        QTemporaryDir dir;

        const Run yaml = berthctl({u"manifest"_s, u"render"_s, example});
        QCOMPARE(yaml.exitCode, 0);
        QVERIFY(yaml.out.startsWith(u"apiVersion: berth/v1\nkind: Pod\n"_s));
        // The canonical YAML validates and renders to itself.
        writeFile(dir.filePath(u"canonical.yaml"_s), yaml.out.toUtf8());
        const Run again = berthctl({u"manifest"_s, u"render"_s, dir.filePath(u"canonical.yaml"_s)});
        QCOMPARE(again.exitCode, 0);
        QCOMPARE(again.out, yaml.out);

        const Run json = berthctl({u"manifest"_s, u"render"_s, example, u"--format"_s, u"json"_s,
                                   u"-o"_s, dir.filePath(u"pod.json"_s)});
        QCOMPARE(json.exitCode, 0);
        QVERIFY(json.out.isEmpty());
        const Run fromJson = berthctl({u"manifest"_s, u"render"_s, dir.filePath(u"pod.json"_s)});
        QCOMPARE(fromJson.exitCode, 0);
        QCOMPARE(fromJson.out, yaml.out);

        const Run kube =
            berthctl({u"manifest"_s, u"render"_s, example, u"--format"_s, u"kubernetes"_s});
        QCOMPARE(kube.exitCode, 0);
        QVERIFY(kube.out.startsWith(u"---\n"_s));
        QVERIFY(kube.out.contains(u"\nkind: PersistentVolumeClaim\n"_s));
        QVERIFY(kube.out.contains(u"\nkind: Pod\n"_s) ||
                kube.out.contains(u"\nkind: Deployment\n"_s));
    }

    void renderRefusesAnInvalidManifest()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"broken.yaml"_s), Broken);
        const Run run =
            berthctl({u"manifest"_s, u"render"_s, u"broken.yaml"_s, u"--format"_s, u"kubernetes"_s},
                     dir.path());
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        QCOMPARE(run.err.count(u"broken.yaml:"_s), 5);
    }

    void importDetectsAndConverts_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<QString>("expectedName");
        QTest::newRow("compose") << dataFile(u"import/compose/wordpress.yaml"_s) << QStringList{}
                                 << u"blog"_s;
        QTest::newRow("compose with --from") << dataFile(u"import/compose/wordpress.yaml"_s)
                                             << QStringList{u"--from"_s, u"compose"_s} << u"blog"_s;
        QTest::newRow("kubernetes") << dataFile(u"import/kubernetes/nginx-deployment.yaml"_s)
                                    << QStringList{} << u"nginx"_s;
        QTest::newRow("akash") << dataFile(u"import/akash/shop.yaml"_s) << QStringList{}
                               << u"web"_s;
    }
    void importDetectsAndConverts()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, extra);
        QFETCH(QString, expectedName);
        QVERIFY2(QFile::exists(file), qPrintable(file));
        const Run run = berthctl(QStringList{u"manifest"_s, u"import"_s, file} + extra);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(run.out.startsWith(u"apiVersion: berth/v1\nkind: Pod\nmetadata:\n  name: "_s +
                                   expectedName + u'\n'));
        // Warnings are located in the source file.
        for (const auto &line : run.err.split(u'\n', Qt::SkipEmptyParts))
            QVERIFY2(line.startsWith(file + u':') && line.contains(u": warning: "_s),
                     qPrintable(line));
        // What it prints is a manifest that validates on its own.
        QTemporaryDir dir;
        writeFile(dir.filePath(u"pod.yaml"_s), run.out.toUtf8());
        const Run validate = berthctl({u"manifest"_s, u"validate"_s, dir.filePath(u"pod.yaml"_s)});
        QCOMPARE(validate.exitCode, 0);
    }

    void importRefusesWhatItCannotConvert()
    {
        QTemporaryDir dir;
        writeFile(dir.filePath(u"notes.yaml"_s), "shopping:\n  - milk\n");
        const Run run = berthctl({u"manifest"_s, u"import"_s, u"notes.yaml"_s}, dir.path());
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.out.isEmpty());
        QVERIFY2(run.err.startsWith(u"notes.yaml:"_s), qPrintable(run.err));
    }
};

QTEST_GUILESS_MAIN(TestBerthctl)
#include "tst_berthctl.moc"
