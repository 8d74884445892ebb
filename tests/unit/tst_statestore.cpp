// berthd's SQLite state: WAL, owner-only files, versioned migrations that roll
// back on failure, a newer schema refused, and claims recorded before they are sent.
#include "provider/statestore.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using berth::ErrorCode;
using berth::provider::ChannelRecord;
using berth::provider::ClaimState;
using berth::provider::DeploymentRecord;
using berth::provider::StateStore;

namespace {

DeploymentRecord sampleDeployment(const QString &id)
{
    DeploymentRecord d;
    d.id = id;
    d.publisher = u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s;
    d.channelId = u"0x" + QString(64, u'1');
    d.manifestJson = u"{\"apiVersion\":\"berth/v1\",\"name\":\"%1\"}"_s.arg(id);
    d.state = u"provisioning"_s;
    return d;
}

ChannelRecord sampleChannel()
{
    ChannelRecord c;
    c.id = u"0x" + QString(64, u'1');
    c.publisher = u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s;
    c.provider = u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s;
    c.token = u"0x5FbDB2315678afecb367f032d93F642f64180aa3"_s;
    c.rate = u"1000000000000"_s;
    c.deposit = u"3600000000000000000000"_s; // beyond 64 bits: kept exact as text
    c.openedAt = QDateTime(QDate(2026, 11, 25), QTime(12, 0), Qt::UTC);
    c.lastSeenBlock = 42;
    return c;
}

// Tables of the database file, read through a connection of the test's own.
QStringList tablesIn(const QString &filePath)
{
    QStringList tables;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"inspect"_s);
        db.setDatabaseName(filePath);
        if (db.open()) {
            QSqlQuery q(u"SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"_s, db);
            while (q.next())
                tables << q.value(0).toString();
        }
    }
    QSqlDatabase::removeDatabase(u"inspect"_s);
    return tables;
}

} // namespace

class TestStateStore : public QObject
{
    Q_OBJECT

private slots:
    void opensWithWalOwnerOnly()
    {
        QTemporaryDir temp;
        const QString dataDir = temp.filePath(u"data/berth"_s);
        auto store = StateStore::open(dataDir);
        QVERIFY2(store.ok(), qPrintable(store ? QString() : store.error().message));
        const QString file = (*store)->filePath();
        QCOMPARE(file, dataDir + u"/state.sqlite"_s);
        QCOMPARE((*store)->journalMode().value(), u"wal"_s);
        QCOMPARE((*store)->schemaVersion().value(), StateStore::latestSchemaVersion());
        QCOMPARE(StateStore::latestSchemaVersion(), 2);

        const auto ownerOnlyFile = QFile::ReadOwner | QFile::WriteOwner;
        QCOMPARE(QFileInfo(file).permissions() & ~(QFile::ReadUser | QFile::WriteUser),
                 ownerOnlyFile);
        const auto dirPermissions = QFileInfo(dataDir).permissions() &
                                    ~(QFile::ReadUser | QFile::WriteUser | QFile::ExeUser);
        QCOMPARE(dirPermissions, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QCOMPARE(tablesIn(file), (QStringList{u"channels"_s, u"claims"_s, u"deployments"_s,
                                              u"events"_s, u"sqlite_sequence"_s}));
    }

    void deploymentsRoundTripAndSurviveReopening()
    {
        QTemporaryDir temp;
        {
            auto store = StateStore::open(temp.path());
            QVERIFY(store.ok());
            QVERIFY((*store)->insertDeployment(sampleDeployment(u"web-1"_s)).ok());
            QVERIFY((*store)->insertDeployment(sampleDeployment(u"web-2"_s)).ok());

            const auto again = (*store)->insertDeployment(sampleDeployment(u"web-1"_s));
            QVERIFY(!again.ok());
            QCOMPARE(again.error().code, ErrorCode::Conflict);
            QCOMPARE(again.error().message, u"deployment web-1 already exists"_s);
            QVERIFY((*store)->setDeploymentState(u"web-2"_s, u"running"_s).ok());
            QCOMPARE((*store)->setDeploymentState(u"web-9"_s, u"running"_s).error().code,
                     ErrorCode::NotFound);
        }
        auto store = StateStore::open(temp.path());
        QVERIFY(store.ok());
        QCOMPARE((*store)->schemaVersion().value(), StateStore::latestSchemaVersion());
        const auto web1 = (*store)->deployment(u"web-1"_s);
        QVERIFY(web1.ok());
        const DeploymentRecord expected = sampleDeployment(u"web-1"_s);
        QCOMPARE(web1->publisher, expected.publisher);
        QCOMPARE(web1->channelId, expected.channelId);
        QCOMPARE(web1->manifestJson, expected.manifestJson);
        QCOMPARE(web1->state, u"provisioning"_s);
        QVERIFY(web1->createdAt.isValid());
        QCOMPARE(web1->createdAt.timeSpec(), Qt::UTC);
        QVERIFY(qAbs(web1->createdAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);

        const auto all = (*store)->deployments();
        QVERIFY(all.ok());
        QCOMPARE(all->size(), 2);
        QCOMPARE(all->at(0).id, u"web-1"_s);
        QCOMPARE(all->at(1).id, u"web-2"_s);
        QCOMPARE(all->at(1).state, u"running"_s);

        const auto missing = (*store)->deployment(u"web-3"_s);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, ErrorCode::NotFound);
    }

    void twoStoresInOneProcess()
    {
        QTemporaryDir a;
        QTemporaryDir b;
        auto first = StateStore::open(a.path());
        auto second = StateStore::open(b.path());
        QVERIFY(first.ok() && second.ok());
        QVERIFY((*first)->insertDeployment(sampleDeployment(u"only-in-a"_s)).ok());
        QCOMPARE((*first)->deployments()->size(), 1);
        QCOMPARE((*second)->deployments()->size(), 0);
    }

    void claimIsRecordedBeforeItIsSent()
    {
        QTemporaryDir temp;
        auto opened = StateStore::open(temp.path());
        QVERIFY(opened.ok());
        StateStore &store = **opened;
        const ChannelRecord channel = sampleChannel();

        const auto unknown = store.recordClaim(channel.id, u"5"_s);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().code, ErrorCode::NotFound);

        QVERIFY(store.saveChannel(channel).ok());
        const auto saved = store.channel(channel.id);
        QVERIFY(saved.ok());
        QCOMPARE(saved->deposit, channel.deposit);
        QCOMPARE(saved->rate, channel.rate);
        QCOMPARE(saved->openedAt, channel.openedAt);
        QCOMPARE(saved->lastSeenBlock, 42);

        const auto id = store.recordClaim(channel.id, u"3600000000000000"_s);
        QVERIFY(id.ok());
        auto claim = store.claim(*id);
        QVERIFY(claim.ok());
        QCOMPARE(claim->state, ClaimState::Pending);
        QCOMPARE(claim->amount, u"3600000000000000"_s);
        QVERIFY(claim->txHash.isEmpty());
        QCOMPARE(store.unfinishedClaims()->size(), 1);

        // Sent needs the transaction hash; Pending cannot jump to Confirmed.
        QCOMPARE(store.advanceClaim(*id, ClaimState::Sent).error().code,
                 ErrorCode::InvalidArgument);
        const auto jump = store.advanceClaim(*id, ClaimState::Confirmed);
        QCOMPARE(jump.error().code, ErrorCode::Conflict);
        QCOMPARE(jump.error().message, u"claim %1 cannot go from pending to confirmed"_s.arg(*id));

        const QString hash = u"0x" + QString(64, u'a');
        QVERIFY(store.advanceClaim(*id, ClaimState::Sent, hash).ok());
        QCOMPARE(store.claim(*id)->state, ClaimState::Sent);
        QCOMPARE(store.claim(*id)->txHash, hash);
        QCOMPARE(store.unfinishedClaims()->size(), 1);

        QVERIFY(store.advanceClaim(*id, ClaimState::Confirmed).ok());
        QCOMPARE(store.claim(*id)->state, ClaimState::Confirmed);
        QCOMPARE(store.claim(*id)->txHash, hash); // kept
        QCOMPARE(store.unfinishedClaims()->size(), 0);

        // Final states stay final.
        QCOMPARE(store.advanceClaim(*id, ClaimState::Failed).error().code, ErrorCode::Conflict);
        QCOMPARE(store.claim(*id)->state, ClaimState::Confirmed);

        const auto second = store.recordClaim(channel.id, u"1"_s);
        QVERIFY(second.ok());
        QVERIFY(*second > *id);
        QVERIFY(store.advanceClaim(*second, ClaimState::Failed).ok());
        QCOMPARE(store.advanceClaim(*second + 100, ClaimState::Sent, hash).error().code,
                 ErrorCode::NotFound);

        // Saving the channel again (a new block seen) keeps its claims.
        ChannelRecord later = channel;
        later.lastSeenBlock = 50;
        QVERIFY(store.saveChannel(later).ok());
        QCOMPARE(store.channel(channel.id)->lastSeenBlock, 50);
        QCOMPARE(store.claim(*id)->state, ClaimState::Confirmed);
    }

    void eventsBelongToADeployment()
    {
        QTemporaryDir temp;
        auto opened = StateStore::open(temp.path());
        QVERIFY(opened.ok());
        StateStore &store = **opened;
        QVERIFY(store.insertDeployment(sampleDeployment(u"web-1"_s)).ok());
        QVERIFY(store.appendEvent(u"web-1"_s, u"provisioned"_s, u"pod started"_s).ok());
        QVERIFY(store.appendEvent(u"web-1"_s, u"runway-low"_s, u"55 minutes left"_s).ok());
        const auto events = store.events(u"web-1"_s);
        QVERIFY(events.ok());
        QCOMPARE(events->size(), 2);
        QCOMPARE(events->at(0).kind, u"provisioned"_s);
        QCOMPARE(events->at(1).message, u"55 minutes left"_s);
        QVERIFY(events->at(0).at.isValid());

        const auto orphan = store.appendEvent(u"nobody"_s, u"x"_s, u"y"_s);
        QVERIFY(!orphan.ok());
        QCOMPARE(orphan.error().code, ErrorCode::NotFound);
    }

    // Which failed deployments berthd refunds: those whose pod never ran since
    // they were (re)provisioned, read from the events as stored.
    void neverRanIsReadFromTheEvents()
    {
        QTemporaryDir temp;
        auto opened = StateStore::open(temp.path());
        QVERIFY(opened.ok());
        StateStore &store = **opened;
        const auto verdict = [&store](const QString &id, const QStringList &kinds) {
            (void)store.insertDeployment(sampleDeployment(id));
            for (const QString &kind : kinds)
                (void)store.appendEvent(id, kind, u"-"_s);
            return neverRanAndFailed(store.events(id).value());
        };
        QVERIFY(verdict(u"a"_s, {u"provisioning"_s, u"failed"_s}));
        QVERIFY(verdict(u"b"_s, {u"provisioning"_s, u"failed"_s, u"provisioning"_s, u"failed"_s}));
        // Refunded already: the last event is no failure any more.
        QVERIFY(!verdict(u"c"_s, {u"provisioning"_s, u"failed"_s, u"refunded"_s}));
        // It ran on this channel: an update that failed later is no refund.
        QVERIFY(!verdict(u"d"_s, {u"provisioning"_s, u"running"_s, u"updating"_s, u"failed"_s}));
        QVERIFY(!verdict(u"e"_s, {u"provisioning"_s, u"running"_s}));
        // Deleted, then provisioned again on a reopened channel that never ran it.
        QVERIFY(verdict(u"f"_s, {u"provisioning"_s, u"running"_s, u"deleting"_s, u"deleted"_s,
                                 u"provisioning"_s, u"failed"_s}));
        QVERIFY(!verdict(u"g"_s, {}));
    }

    void versionOneUpgradesKeepingItsRows()
    {
        QTemporaryDir temp;
        {
            auto store = StateStore::open(temp.path(), StateStore::migrations().mid(0, 1));
            QVERIFY(store.ok());
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"v1"_s);
            db.setDatabaseName((*store)->filePath());
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"INSERT INTO deployments VALUES ('old', '0xabc', '0x01', '{}', "
                           "'running', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"_s));
        }
        QSqlDatabase::removeDatabase(u"v1"_s);
        auto store = StateStore::open(temp.path());
        QVERIFY(store.ok());
        QCOMPARE((*store)->schemaVersion().value(), StateStore::latestSchemaVersion());
        const auto old = (*store)->deployment(u"old"_s);
        QVERIFY(old.ok());
        QCOMPARE(old->state, u"running"_s);
        QCOMPARE(old->name, QString());
        QCOMPARE(old->specJson, u"{}"_s);
    }

    void newerSchemaIsRefused()
    {
        QTemporaryDir temp;
        QList<StateStore::Migration> future = StateStore::migrations();
        future.append({u"CREATE TABLE later (x INTEGER)"_s});
        {
            auto store = StateStore::open(temp.path(), future);
            QVERIFY(store.ok());
            QCOMPARE((*store)->schemaVersion().value(), StateStore::latestSchemaVersion() + 1);
        }
        const auto store = StateStore::open(temp.path());
        QVERIFY(!store.ok());
        QCOMPARE(store.error().code, ErrorCode::Unsupported);
        QVERIFY2(store.error().message.contains(
                     u"has schema version %1, newer than this berthd knows (%2)"_s
                         .arg(StateStore::latestSchemaVersion() + 1)
                         .arg(StateStore::latestSchemaVersion())),
                 qPrintable(store.error().message));
    }

    void failedMigrationRollsBackAndSaysWhich()
    {
        QTemporaryDir temp;
        {
            auto store = StateStore::open(temp.path());
            QVERIFY(store.ok());
            QVERIFY((*store)->insertDeployment(sampleDeployment(u"web-1"_s)).ok());
        }
        QList<StateStore::Migration> broken = StateStore::migrations();
        broken.append(
            {u"CREATE TABLE extra (x INTEGER)"_s, u"INSERT INTO no_such_table VALUES (1)"_s});
        const auto failed = StateStore::open(temp.path(), broken);
        QVERIFY(!failed.ok());
        QVERIFY2(failed.error().message.contains(
                     u"schema migration to version %1 failed and was rolled back (the database "
                     "stays at version %2)"_s.arg(StateStore::latestSchemaVersion() + 1)
                         .arg(StateStore::latestSchemaVersion())),
                 qPrintable(failed.error().message));
        QVERIFY(failed.error().message.contains("no_such_table"_L1));

        auto store = StateStore::open(temp.path());
        QVERIFY(store.ok());
        QCOMPARE((*store)->schemaVersion().value(), StateStore::latestSchemaVersion());
        QVERIFY((*store)->deployment(u"web-1"_s).ok());
        QVERIFY(!tablesIn((*store)->filePath()).contains(u"extra"_s));
    }
};

QTEST_GUILESS_MAIN(TestStateStore)
#include "tst_statestore.moc"
