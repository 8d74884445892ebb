// The logs berthd keeps for each deployment (LogStore, LogKeeper::prune): the
// file format, owner-only files, de-duplication at the `since` boundary (also
// after a restart and after rotation), the size cap that keeps the newest
// lines, history queries, and pruning after deletion.
#include "provider/deploymentrecord.h"
#include "provider/logkeeper.h"
#include "provider/logstore.h"
#include "provider/podmanlogstream.h"
#include "provider/statestore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace Qt::StringLiterals;
using berth::provider::CollectedLogs;
using berth::provider::DeploymentRecord;
using berth::provider::LogCollection;
using berth::provider::LogKeeper;
using berth::provider::LogKeeperConfig;
using berth::provider::LogLine;
using berth::provider::LogQuery;
using berth::provider::LogStore;
using berth::provider::StateStore;

namespace {

constexpr QFile::Permissions ownerRw = QFile::ReadOwner | QFile::WriteOwner;
constexpr QFile::Permissions ownerRwx = QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner;

const QDateTime base = QDateTime(QDate(2026, 11, 25), QTime(17, 3, 12, 0), Qt::UTC);

LogLine line(const QString &container, qint64 ms, const QString &text,
             const QString &stream = u"stdout"_s)
{
    return LogLine{container, base.addMSecs(ms), stream, text};
}

QByteArray frame(char stream, const QByteArray &payload)
{
    QByteArray header(8, '\0');
    header[0] = stream;
    const auto size = quint32(payload.size());
    for (int i = 0; i < 4; ++i)
        header[4 + i] = char((size >> (8 * (3 - i))) & 0xff);
    return header + payload;
}

// A runtime whose logs() answers from a script; everything else is unused.
class FakeRuntime final : public berth::provider::Runtime
{
public:
    QList<LogQuery> queries;
    std::function<berth::Result<QList<LogLine>>(const LogQuery &)> answer;

    berth::Result<void> ping() override { return {}; }
    berth::Result<void> apply(const berth::provider::RuntimeSpec &) override { return {}; }
    berth::Result<void> remove(const QString &, bool) override { return {}; }
    berth::Result<void> stop(const QString &) override { return {}; }
    berth::Result<berth::provider::RuntimeStatus> status(const QString &) override
    {
        return berth::provider::RuntimeStatus();
    }
    berth::Result<QStringList> listPods() override { return QStringList(); }
    berth::Result<QStringList> listVolumeOwners() override { return QStringList(); }
    berth::Result<QList<LogLine>> logs(const QString &, const LogQuery &query) override
    {
        queries.append(query);
        return answer(query);
    }
    berth::Result<bool> hasImage(const QString &) override { return true; }
    berth::Result<void> loadImage(const QString &, const QString &) override { return {}; }
    berth::Result<void> pullImage(const QString &) override { return {}; }
};

QStringList texts(const QList<LogLine> &lines)
{
    QStringList out;
    for (const LogLine &l : lines)
        out.append(l.container + u':' + l.text);
    return out;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QFile::Permissions permissionsOf(const QString &path)
{
    return QFileInfo(path).permissions() & (QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup |
                                            QFile::ReadOther | QFile::WriteOther | QFile::ExeOther);
}

LogQuery query(int tail = 10000, const QString &container = {}, const QDateTime &since = {})
{
    LogQuery q;
    q.tail = tail;
    q.container = container;
    q.since = since;
    return q;
}

} // namespace

class TestLogKeeper : public QObject
{
    Q_OBJECT

private slots:
    void writesOneJsonObjectPerLineInOwnerOnlyFiles()
    {
        QTemporaryDir dir;
        LogStore store(dir.filePath(u"logs"_s));
        auto stored =
            store.append(u"web-1a2b3c4d"_s, {line(u"web"_s, 123, u"hello \"world\""_s),
                                             line(u"web"_s, 124, u"oops"_s, u"stderr"_s)});
        QVERIFY(stored.ok());
        QCOMPARE(stored->size(), 2);
        const QString folder = dir.filePath(u"logs/web-1a2b3c4d"_s);
        QCOMPARE(store.folderOf(u"web-1a2b3c4d"_s), folder);
        QCOMPARE(
            readAll(folder + u"/current.jsonl"_s),
            QByteArray(
                "{\"c\":\"web\",\"s\":\"out\",\"t\":\"2026-11-25T17:03:12.123Z\",\"x\":\"hello "
                "\\\"world\\\"\"}"
                "\n"
                "{\"c\":\"web\",\"s\":\"err\",\"t\":\"2026-11-25T17:03:12.124Z\",\"x\":\"oops\"}"
                "\n"));
        QCOMPARE(permissionsOf(dir.filePath(u"logs"_s)), ownerRwx);
        QCOMPARE(permissionsOf(folder), ownerRwx);
        QCOMPARE(permissionsOf(folder + u"/current.jsonl"_s), ownerRw);

        const auto decoded = LogStore::decodeLine(LogStore::encodeLine(stored->at(1)));
        QVERIFY(decoded);
        QCOMPARE(decoded->container, u"web"_s);
        QCOMPARE(decoded->stream, u"stderr"_s);
        QCOMPARE(decoded->text, u"oops"_s);
        QCOMPARE(decoded->time, base.addMSecs(124));
        QVERIFY(!LogStore::decodeLine("{\"c\":\"web\",\"s\":\"out\",\"t\":\"2026-11-25T17:0"));
        QVERIFY(!LogStore::decodeLine(
            "{\"c\":\"web\",\"s\":\"tty\",\"t\":\"2026-11-25T17:03:12Z\",\"x\":\"\"}"));
        QVERIFY(!store.append(u"../escape"_s, {line(u"web"_s, 1, u"x"_s)}));
    }

    void skipsWhatIsStoredAtTheSinceBoundary()
    {
        QTemporaryDir dir;
        LogStore store(dir.path());
        const QString id = u"app-00000001"_s;
        QVERIFY(store
                    .append(id, {line(u"web"_s, 0, u"a"_s), line(u"web"_s, 500, u"b"_s),
                                 line(u"web"_s, 500, u"b"_s)})
                    .ok());
        // Podman's `since` has whole seconds: the next read repeats the second.
        auto again = store.append(id, {line(u"web"_s, 0, u"a"_s), line(u"web"_s, 500, u"b"_s),
                                       line(u"web"_s, 500, u"b"_s), line(u"web"_s, 500, u"b"_s),
                                       line(u"web"_s, 900, u"c"_s)});
        QVERIFY(again.ok());
        QCOMPARE(texts(*again), (QStringList{u"web:b"_s, u"web:c"_s}));
        // The same read once more (a stale cursor) stores nothing.
        again = store.append(id, {line(u"web"_s, 500, u"b"_s), line(u"web"_s, 900, u"c"_s)});
        QVERIFY(again.ok());
        QVERIFY(again->isEmpty());
        // Each container has its own cursor.
        again = store.append(id, {line(u"db"_s, 0, u"a"_s)});
        QCOMPARE(texts(*again), (QStringList{u"db:a"_s}));
        QCOMPARE(
            texts(*store.read(id, query())),
            (QStringList{u"db:a"_s, u"web:a"_s, u"web:b"_s, u"web:b"_s, u"web:b"_s, u"web:c"_s}));

        // A restarted berthd reads its cursors from the files: no duplicates.
        LogStore restarted(dir.path());
        QCOMPARE(restarted.cursors(id).value(u"web"_s).last, base.addMSecs(900));
        again = restarted.append(id, {line(u"web"_s, 500, u"b"_s), line(u"web"_s, 900, u"c"_s),
                                      line(u"web"_s, 900, u"c"_s), line(u"db"_s, 0, u"a"_s)});
        QVERIFY(again.ok());
        QCOMPARE(texts(*again), (QStringList{u"web:c"_s}));
    }

    void aTornLastLineIsSkippedAndReadAgain()
    {
        QTemporaryDir dir;
        LogStore store(dir.path());
        const QString id = u"app-00000002"_s;
        QVERIFY(store.append(id, {line(u"web"_s, 0, u"first"_s)}).ok());
        {
            QFile file(store.folderOf(id) + u"/current.jsonl"_s);
            QVERIFY(file.open(QIODevice::Append));
            file.write(
                "{\"c\":\"web\",\"s\":\"out\",\"t\":\"2026-11-25T17:03:12."); // killed mid-write
        }
        LogStore restarted(dir.path());
        auto stored =
            restarted.append(id, {line(u"web"_s, 0, u"first"_s), line(u"web"_s, 100, u"second"_s)});
        QVERIFY(stored.ok());
        QCOMPARE(texts(*stored), (QStringList{u"web:second"_s}));
        QCOMPARE(texts(*restarted.read(id, query())),
                 (QStringList{u"web:first"_s, u"web:second"_s}));
    }

    void rotationKeepsTheNewestLinesWithinTheCap()
    {
        QTemporaryDir dir;
        const qint64 cap = 64 * 1024;
        LogStore store(dir.path(), cap);
        const QString id = u"chatty-00000003"_s;
        const QString filler(100, u'x');
        int n = 0;
        for (int batch = 0; batch < 40; ++batch) {
            QList<LogLine> lines;
            for (int i = 0; i < 50; ++i, ++n)
                lines.append(line(u"web"_s, n, u"%1 %2"_s.arg(n, 5, 10, QChar(u'0')).arg(filler)));
            QVERIFY(store.append(id, lines).ok());
            QVERIFY2(store.bytesOf(id) <= cap, qPrintable(QString::number(store.bytesOf(id))));
        }
        const QString folder = store.folderOf(id);
        QVERIFY(QFile::exists(folder + u"/previous.jsonl"_s));
        QCOMPARE(permissionsOf(folder + u"/previous.jsonl"_s), ownerRw);
        QCOMPARE(permissionsOf(folder + u"/cursors.json"_s), ownerRw);
        const auto kept = store.read(id, query());
        QVERIFY(kept.ok());
        // The newest line is there, the oldest are gone, and what is kept is
        // contiguous (no line lost in the middle).
        QVERIFY(kept->constLast().text.startsWith(u"01999 "_s));
        QVERIFY(kept->constFirst().text.left(5).toInt() > 0);
        QVERIFY(kept->size() > 150); // at least a full file of about 190
        const int first = kept->constFirst().text.left(5).toInt();
        for (qsizetype i = 0; i < kept->size(); ++i)
            QCOMPARE(kept->at(i).text.left(5).toInt(), first + int(i));

        // A caller asking for a tail gets the newest lines.
        const auto tail = store.read(id, query(3));
        QCOMPARE(tail->size(), 3);
        QVERIFY(tail->constLast().text.startsWith(u"01999 "_s));
    }

    void cursorsOutliveRotatedLines()
    {
        QTemporaryDir dir;
        LogStore store(dir.path(), 64 * 1024);
        const QString id = u"pair-00000004"_s;
        QVERIFY(store.append(id, {line(u"quiet"_s, 0, u"once"_s)}).ok());
        const QString filler(200, u'y');
        for (int i = 0; i < 800; ++i)
            QVERIFY(store.append(id, {line(u"loud"_s, 10 + i, filler)}).ok());
        QCOMPARE(store.read(id, query(10, u"quiet"_s))->size(), 0); // rotated away
        LogStore restarted(dir.path(), 64 * 1024);
        QCOMPARE(restarted.cursors(id).value(u"quiet"_s).last, base);
        const auto again = restarted.append(id, {line(u"quiet"_s, 0, u"once"_s)});
        QVERIFY(again.ok());
        QVERIFY(again->isEmpty());
    }

    void historyByContainerTailAndSince()
    {
        QTemporaryDir dir;
        LogStore store(dir.path());
        const QString id = u"two-00000005"_s;
        QVERIFY(store
                    .append(id, {line(u"web"_s, 0, u"w0"_s), line(u"web"_s, 2000, u"w2"_s),
                                 line(u"web"_s, 4000, u"w4"_s)})
                    .ok());
        QVERIFY(
            store.append(id, {line(u"db"_s, 1000, u"d1"_s), line(u"db"_s, 3000, u"d3"_s)}).ok());
        QCOMPARE(texts(*store.read(id, query())),
                 (QStringList{u"web:w0"_s, u"db:d1"_s, u"web:w2"_s, u"db:d3"_s, u"web:w4"_s}));
        // tail counts per container.
        QCOMPARE(texts(*store.read(id, query(1))), (QStringList{u"db:d3"_s, u"web:w4"_s}));
        QCOMPARE(texts(*store.read(id, query(2, u"web"_s))),
                 (QStringList{u"web:w2"_s, u"web:w4"_s}));
        QCOMPARE(texts(*store.read(id, query(100, {}, base.addMSecs(2000)))),
                 (QStringList{u"web:w2"_s, u"db:d3"_s, u"web:w4"_s}));
        QVERIFY(store.read(id, query(0))->isEmpty());
        QCOMPARE(store.containers(id), (QStringList{u"db"_s, u"web"_s}));
        QCOMPARE(LogStore(dir.path()).containers(id), (QStringList{u"db"_s, u"web"_s}));
        QVERIFY(store.read(u"none-00000000"_s, query())->isEmpty());
        QVERIFY(store.holds(id));
        QVERIFY(!store.holds(u"none-00000000"_s));
    }

    void longLinesAreCutTheSameWayEveryTime()
    {
        QTemporaryDir dir;
        LogStore store(dir.path(), 64 * 1024);
        const QString id = u"long-00000006"_s;
        const QString huge(100000, u'z');
        const QString controls(20000, QChar(1)); // six bytes each in JSON
        auto stored = store.append(id, {line(u"web"_s, 0, huge), line(u"web"_s, 1, controls)});
        QVERIFY(stored.ok());
        QCOMPARE(stored->size(), 2);
        for (const LogLine &l : *stored) {
            QVERIFY(l.text.size() > 1000);
            QVERIFY(LogStore::encodeLine(l).size() <= LogStore::MaxTextBytes + 256);
        }
        QVERIFY(stored->at(0).text.size() < huge.size());
        LogStore restarted(dir.path(), 64 * 1024);
        QVERIFY(restarted.append(id, {line(u"web"_s, 1, controls)})->isEmpty());
    }

    void podmansPartialLinesAreJoined()
    {
        // conmon splits a line at its read buffer: a frame without a newline,
        // continued by the stream's next frame (whose time is later).
        const QByteArray body = frame(1, "2026-11-25T17:03:12Z first\n2026-11-25T17:03:12Z sec") +
                                frame(2, "2026-11-25T17:03:13Z on stderr\n") +
                                frame(1, "2026-11-25T17:03:14Z ond caf\xc3") +
                                frame(1, "2026-11-25T17:03:14Z \xa9\n") +
                                frame(1, "2026-11-25T17:03:15Z no newline at the end");
        const auto lines = berth::provider::decodePodmanLogStream(body, u"web"_s);
        QVERIFY(lines.ok());
        QCOMPARE(texts(*lines),
                 (QStringList{u"web:first"_s, u"web:on stderr"_s, u"web:second caf\u00e9"_s,
                              u"web:no newline at the end"_s}));
        QCOMPARE(lines->at(2).time, base);
        QCOMPARE(lines->at(2).stream, u"stdout"_s);
        QCOMPARE(lines->at(3).time, base.addSecs(3));
    }

    void collectionReadsFromEachCursorAndSurvivesAFlood()
    {
        FakeRuntime runtime;
        runtime.answer = [](const LogQuery &query) -> berth::Result<QList<LogLine>> {
            if (query.container == "db"_L1)
                return berth::Error(berth::ErrorCode::NotFound, u"no such container"_s);
            if (query.since == base) // too much since the cursor for one answer
                return berth::Error(berth::ErrorCode::TooLarge, u"answer over 16 MiB"_s);
            return QList<LogLine>{line(u"web"_s, 5000, u"newest"_s)};
        };
        LogCollection collection;
        collection.deploymentId = u"app-0000000a"_s;
        collection.containers = {u"web"_s, u"db"_s};
        collection.since.insert(u"web"_s, base);
        collection.firstSince = base.addSecs(-60);
        const CollectedLogs collected = LogKeeper::collect(runtime, {collection});
        QCOMPARE(collected.size(), 1);
        QCOMPARE(collected[0].first, u"app-0000000a"_s);
        QCOMPARE(texts(collected[0].second), QStringList{u"web:newest"_s});
        // web from its cursor, then (too large) its newest lines; db from the start.
        QCOMPARE(runtime.queries.size(), 3);
        QCOMPARE(runtime.queries[0].since, base);
        QVERIFY(!runtime.queries[1].since.isValid());
        QCOMPARE(runtime.queries[1].container, u"web"_s);
        QCOMPARE(runtime.queries[2].since, base.addSecs(-60));
        QCOMPARE(runtime.queries[2].tail, 10000);
    }

    void pruneRemovesDeletedDeploymentsAfterRetention()
    {
        QTemporaryDir dir;
        auto state = StateStore::open(dir.filePath(u"state"_s));
        QVERIFY(state.ok());
        const auto insert = [&](const QString &id, const QString &deploymentState) {
            DeploymentRecord record;
            record.id = id;
            record.name = id.section(u'-', 0, 0);
            record.publisher = u"0x0000000000000000000000000000000000000001"_s;
            record.channelId = u"0x%1"_s.arg(QString(64, u'0'));
            record.manifestJson = u"{}"_s;
            record.state = deploymentState;
            record.createdAt = record.updatedAt = QDateTime::currentDateTimeUtc();
            QVERIFY((*state)->insertDeployment(record).ok());
        };
        insert(u"gone-00000007"_s, u"running"_s);
        insert(u"live-00000008"_s, u"running"_s);
        QVERIFY((*state)->setDeploymentState(u"gone-00000007"_s, u"deleted"_s).ok());

        LogKeeperConfig config;
        config.root = dir.filePath(u"logs"_s);
        config.retentionDays = 1;
        {
            LogKeeper keeper(config, state->get(), nullptr);
            for (const QString &id : {u"gone-00000007"_s, u"live-00000008"_s, u"orphan-00000009"_s})
                QVERIFY(keeper.store().append(id, {line(u"web"_s, 0, u"x"_s)}).ok());
            keeper.prune(); // deleted just now: kept for a day
            QCOMPARE(keeper.store().deployments(),
                     (QStringList{u"gone-00000007"_s, u"live-00000008"_s, u"orphan-00000009"_s}));
        }
        config.retentionDays = 0;
        LogKeeper keeper(config, state->get(), nullptr);
        keeper.prune();
        QCOMPARE(keeper.store().deployments(), (QStringList{u"live-00000008"_s}));
    }
};

QTEST_GUILESS_MAIN(TestLogKeeper)
#include "tst_logkeeper.moc"
