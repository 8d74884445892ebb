// The names an image archive would give its image, read before Podman loads it.
#include "provider/imagearchive.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using berth::provider::imageArchiveNames;

class TestImageArchive : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // A tar made by GNU tar from files written here (as `podman save` lays out
    // a docker-archive: layer folders, a config, manifest.json last or first).
    QString makeTar(const QString &name, const QMap<QString, QByteArray> &files,
                    const QStringList &extraArgs = {})
    {
        const QString root = m_dir.filePath(name + u".d"_s);
        QDir().mkpath(root);
        QStringList members;
        for (auto it = files.cbegin(); it != files.cend(); ++it) {
            const QString path = root + u'/' + it.key();
            QDir().mkpath(QFileInfo(path).path());
            QFile file(path);
            if (!file.open(QIODevice::WriteOnly))
                return {};
            file.write(it.value());
            members.append(it.key());
        }
        const QString tar = m_dir.filePath(name + u".tar"_s);
        QProcess p;
        p.start(u"tar"_s, QStringList{u"-cf"_s, tar, u"-C"_s, root} + extraArgs + members);
        if (!p.waitForFinished(10000) || p.exitCode() != 0)
            return {};
        return tar;
    }

private slots:
    void namesFromTheManifest()
    {
        const QByteArray manifest =
            R"([{"Config":"abc.json","RepoTags":["localhost/app:1","example.org/x/y:2"],"Layers":["l/layer.tar"]}])";
        const QString tar = makeTar(u"named"_s, {{u"l/layer.tar"_s, QByteArray(3000, 'x')},
                                                 {u"abc.json"_s, "{}"},
                                                 {u"manifest.json"_s, manifest}});
        QVERIFY(!tar.isEmpty());
        QCOMPARE(imageArchiveNames(tar).value(),
                 (QStringList{u"localhost/app:1"_s, u"example.org/x/y:2"_s}));
    }

    void unnamedArchivesHaveNoNames()
    {
        const QString noTags = makeTar(
            u"untagged"_s, {{u"manifest.json"_s, R"([{"Config":"a.json","RepoTags":null}])"}});
        QCOMPARE(imageArchiveNames(noTags).value(), QStringList());
        // An OCI layout has no manifest.json: no names to take over.
        const QString oci = makeTar(u"oci"_s, {{u"index.json"_s, "{}"}, {u"oci-layout"_s, "{}"}});
        QCOMPARE(imageArchiveNames(oci).value(), QStringList());
    }

    void longPathsBeforeTheManifestAreSkipped()
    {
        const QString deep = QString(u"d"_s).repeated(120) + u"/layer.tar"_s; // GNU long name
        const QString tar =
            makeTar(u"long"_s, {{deep, QByteArray(700, 'y')},
                                {u"manifest.json"_s, R"([{"RepoTags":["localhost/deep:1"]}])"}});
        QVERIFY(!tar.isEmpty());
        QCOMPARE(imageArchiveNames(tar).value(), QStringList{u"localhost/deep:1"_s});
    }

    void damagedInputIsRefused()
    {
        QFile junk(m_dir.filePath(u"junk.tar"_s));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write(QByteArray(100, 'z'));
        junk.close();
        QCOMPARE(imageArchiveNames(junk.fileName()).error().code, ErrorCode::ParseFailed);

        const QString tar = makeTar(u"badjson"_s, {{u"manifest.json"_s, "{not json"}});
        const auto bad = imageArchiveNames(tar);
        QCOMPARE(bad.error().code, ErrorCode::ParseFailed);
        QVERIFY2(bad.error().message.contains(u"manifest.json is not a JSON array"_s),
                 qPrintable(bad.error().message));

        // Cut inside the data of the first entry.
        const QString whole =
            makeTar(u"cut"_s, {{u"a.bin"_s, QByteArray(5000, 'a')}, {u"manifest.json"_s, "[]"}});
        QFile file(whole);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.resize(512 + 1024));
        file.close();
        QCOMPARE(imageArchiveNames(whole).error().code, ErrorCode::ParseFailed);

        QCOMPARE(imageArchiveNames(m_dir.filePath(u"absent.tar"_s)).error().code,
                 ErrorCode::IoFailed);
    }
};

QTEST_GUILESS_MAIN(TestImageArchive)
#include "tst_imagearchive.moc"
