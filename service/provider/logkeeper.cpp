#include "provider/logkeeper.h"

#include "provider/deploymentrecord.h"
#include "provider/runtimeworker.h"
#include "provider/statestore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace berth::provider {

Q_LOGGING_CATEGORY(lcLogs, "berth.provider.logs", QtInfoMsg)

namespace {

constexpr int MaxLinesPerRead = 10000; // Runtime::logs' tail limit

QStringList containersOf(const QString &manifestJson)
{
    QStringList names;
    const QJsonArray containers =
        QJsonDocument::fromJson(manifestJson.toUtf8()).object().value(u"containers"_s).toArray();
    for (const QJsonValue &container : containers) {
        const QString name = container[u"name"_s].toString();
        if (!name.isEmpty())
            names.append(name);
    }
    return names;
}

} // namespace

LogKeeper::LogKeeper(LogKeeperConfig config, StateStore *state, RuntimeWorker *worker,
                     QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_store(m_config.root, m_config.maxBytesPerDeployment)
    , m_state(state)
    , m_worker(worker)
{
    m_pollTimer.setInterval(m_config.pollMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &LogKeeper::collectNow);
    m_pruneTimer.setInterval(m_config.pruneMs);
    connect(&m_pruneTimer, &QTimer::timeout, this, &LogKeeper::prune);
}

void LogKeeper::start()
{
    prune();
    m_pollTimer.start();
    m_pruneTimer.start();
}

LogCollection LogKeeper::collectionFor(const DeploymentRecord &record)
{
    LogCollection collection;
    collection.deploymentId = record.id;
    collection.containers = containersOf(record.manifestJson);
    // Whole seconds, as Podman's times are (a finer `since` drops the lines
    // of its own second), and one earlier for good measure.
    collection.firstSince =
        QDateTime::fromSecsSinceEpoch(record.createdAt.toSecsSinceEpoch() - 1, Qt::UTC);
    const QHash<QString, LogCursor> cursors = m_store.cursors(record.id);
    for (auto it = cursors.cbegin(); it != cursors.cend(); ++it)
        collection.since.insert(it.key(), it->last);
    return collection;
}

std::function<void(Runtime &)> LogKeeper::collector(const QString &deploymentId)
{
    auto record = m_state->deployment(deploymentId);
    if (!record)
        return {};
    const LogCollection collection = collectionFor(*record);
    QPointer<LogKeeper> self(this);
    return [collection, self](Runtime &runtime) {
        CollectedLogs collected = collect(runtime, {collection});
        if (collected.isEmpty() || !self)
            return;
        QMetaObject::invokeMethod(self.data(), [self, collected = std::move(collected)] {
            if (self)
                for (const auto &[id, lines] : collected)
                    self->keep(id, lines);
        });
    };
}

CollectedLogs LogKeeper::collect(Runtime &runtime, const QList<LogCollection> &collections)
{
    CollectedLogs collected;
    for (const LogCollection &collection : collections) {
        QList<LogLine> lines;
        for (const QString &container : collection.containers) {
            LogQuery query;
            query.container = container;
            // Never Podman's tail (see PodmanRuntime::logs): from the cursor,
            // or from when the deployment was made.
            query.since = collection.since.value(container, collection.firstSince);
            query.tail = MaxLinesPerRead;
            auto read = runtime.logs(collection.deploymentId, query);
            if (!read && read.error().code == ErrorCode::TooLarge) {
                // More than one answer may hold since the cursor (berthd was
                // down, or a flood): keep the newest lines rather than none.
                qCInfo(lcLogs).noquote()
                    << collection.deploymentId << container
                    << "printed too much since the last line kept: keeping the newest";
                query.since = QDateTime();
                read = runtime.logs(collection.deploymentId, query);
            }
            if (!read) {
                // No pod or no such container (yet): nothing to keep.
                if (read.error().code != ErrorCode::NotFound)
                    qCDebug(lcLogs).noquote()
                        << "cannot read the logs of" << collection.deploymentId << container << ":"
                        << read.error().message;
                continue;
            }
            lines.append(*read);
        }
        if (!lines.isEmpty())
            collected.append({collection.deploymentId, lines});
    }
    return collected;
}

void LogKeeper::keep(const QString &deploymentId, const QList<LogLine> &lines)
{
    auto fresh = m_store.append(deploymentId, lines);
    if (!fresh) {
        qCWarning(lcLogs).noquote()
            << "cannot keep the logs of" << deploymentId << ":" << fresh.error().message;
        return;
    }
    if (!fresh->isEmpty())
        emit stored(deploymentId, *fresh);
}

void LogKeeper::collectNow()
{
    if (m_passing)
        return;
    auto records = m_state->deployments();
    if (!records) {
        qCWarning(lcLogs).noquote() << "cannot list deployments:" << records.error().message;
        return;
    }
    QList<LogCollection> collections;
    for (const DeploymentRecord &record : std::as_const(*records))
        if (record.state == "running"_L1)
            collections.append(collectionFor(record));
    if (collections.isEmpty())
        return;
    m_passing = true;
    m_worker->run<CollectedLogs>(
        [collections](Runtime &runtime, Ingress &) -> Result<CollectedLogs> {
            return collect(runtime, collections);
        },
        this,
        [this](Result<CollectedLogs> collected) {
            m_passing = false;
            if (collected)
                for (const auto &[id, lines] : std::as_const(*collected))
                    keep(id, lines);
        });
}

void LogKeeper::prune()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (const QString &id : m_store.deployments()) {
        auto record = m_state->deployment(id);
        QDateTime gone;
        if (record && record->state == "deleted"_L1)
            gone = record->updatedAt;
        else if (!record && record.error().code == ErrorCode::NotFound)
            gone = m_store.lastWritten(id);
        if (!gone.isValid() || gone.addDays(m_config.retentionDays) > now)
            continue;
        if (auto removed = m_store.remove(id); !removed)
            qCWarning(lcLogs).noquote() << removed.error().message;
        else
            qCInfo(lcLogs).noquote()
                << "removed the logs of" << id << "(deleted" << gone.toString(Qt::ISODate) << ")";
    }
}

} // namespace berth::provider
