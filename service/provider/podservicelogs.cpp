// PodService's logs: pod.logs for publishers, the operator's admin.logs, and
// the follow subscriptions both keep (declared in podservice.h).
#include "protocol/rpcerror.h"
#include "provider/deploymentrecord.h"
#include "provider/logkeeper.h"
#include "provider/podservice.h"
#include "provider/rpcparams.h"
#include "provider/runtimeworker.h"
#include "provider/statestore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace berth::provider {

using protocol::makeRpcError;
using protocol::RpcErrorCode;

void PodService::sessionClosed(quint64 sessionId)
{
    const QString publisher = m_publisherBySession.take(sessionId);
    if (!publisher.isEmpty()) {
        auto it = m_sessionsByPublisher.find(publisher);
        if (it != m_sessionsByPublisher.end()) {
            it->remove(sessionId);
            if (it->isEmpty())
                m_sessionsByPublisher.erase(it);
        }
    }
    subscriberGone(nullptr, sessionId);
}

void PodService::subscriberGone(const QObject *origin, quint64 sessionId)
{
    for (auto it = m_follows.begin(); it != m_follows.end();)
        it = it->subscriber.origin == origin && it->subscriber.sessionId == sessionId
                 ? m_follows.erase(it)
                 : std::next(it);
}

namespace {

QJsonArray linesJson(const QList<LogLine> &lines)
{
    QJsonArray array;
    for (const LogLine &line : lines)
        array.append(QJsonObject{{u"container"_s, line.container},
                                 {u"time"_s, line.time.toString(Qt::ISODateWithMs)},
                                 {u"stream"_s, line.stream},
                                 {u"text"_s, line.text}});
    return array;
}

} // namespace

std::function<void(Runtime &)> PodService::logCollector(const QString &deploymentId)
{
    return m_logs ? m_logs->collector(deploymentId) : std::function<void(Runtime &)>();
}

void PodService::setLogKeeper(LogKeeper *logs)
{
    if (m_logs)
        disconnect(m_logs, nullptr, this, nullptr);
    m_logs = logs;
    if (m_logs)
        connect(m_logs, &LogKeeper::stored, this, &PodService::logsStored);
}

Result<DeploymentRecord> PodService::deploymentFor(const std::optional<crypto::Address> &publisher,
                                                   const QJsonObject &params,
                                                   bool whileLogsAreKept) const
{
    auto id = requiredString(params, u"deployment"_s);
    if (!id)
        return id.error();
    if (!isValidDeploymentId(*id))
        return invalidParams(u"params.deployment is not a deployment id (pod.provision returns "
                             "one, e.g. \"web-1a2b3c4d\")"_s);
    auto record = m_store->deployment(*id);
    // A deleted deployment's logs answer until they are pruned.
    const auto kept = [&](const DeploymentRecord &gone) {
        return whileLogsAreKept && m_logs &&
               (m_logs->store().holds(gone.id) ||
                gone.updatedAt.addDays(m_logs->config().retentionDays) >
                    QDateTime::currentDateTimeUtc());
    };
    if (!record || (record->state == "deleted"_L1 && !kept(*record)))
        return makeRpcError(RpcErrorCode::NotFound,
                            u"no deployment %1 on this provider"_s.arg(*id));
    if (publisher && record->publisher != publisher->toChecksumString())
        return makeRpcError(RpcErrorCode::Forbidden,
                            u"deployment %1 belongs to another publisher"_s.arg(*id));
    return record;
}

void PodService::logs(const Caller &caller, const QJsonObject &params, Reply reply)
{
    remember(caller);
    auto record = deploymentFor(caller.publisher, params, true);
    if (!record)
        return reply(record.error());
    readLogs(*record, params, LogSubscriber{nullptr, caller.sessionId, {}}, std::move(reply));
}

void PodService::operatorLogs(const QJsonObject &params, LogSubscriber subscriber, Reply reply)
{
    auto record = deploymentFor(std::nullopt, params, true);
    if (!record)
        return reply(record.error());
    readLogs(*record, params, std::move(subscriber), std::move(reply));
}

void PodService::readLogs(const DeploymentRecord &record, const QJsonObject &params,
                          LogSubscriber subscriber, Reply reply)
{
    if (!m_logs)
        return reply(makeRpcError(RpcErrorCode::Unavailable, u"this provider keeps no logs"_s));
    LogQuery query;
    query.container = params.value(u"container"_s).toString();
    query.tail = int(qBound(qint64(0), params.value(u"tail"_s).toInteger(200), qint64(10000)));
    if (params.contains(u"since"_s)) {
        query.since = QDateTime::fromString(params.value(u"since"_s).toString(), Qt::ISODateWithMs);
        if (!query.since.isValid())
            return reply(invalidParams(u"params.since must be a time in ISO 8601, e.g. "
                                       "\"2026-11-25T17:03:12Z\""_s));
        if (query.since.timeSpec() == Qt::LocalTime)
            query.since.setTimeSpec(Qt::UTC);
    }
    const QString id = record.id;
    if (!query.container.isEmpty()) {
        const QJsonArray containers = QJsonDocument::fromJson(record.manifestJson.toUtf8())
                                          .object()
                                          .value(u"containers"_s)
                                          .toArray();
        const bool named =
            std::any_of(containers.begin(), containers.end(), [&](const QJsonValue &c) {
                return c[u"name"_s].toString() == query.container;
            });
        if (!named && !m_logs->store().containers(id).contains(query.container))
            return reply(makeRpcError(
                RpcErrorCode::NotFound,
                u"deployment %1 has no container %2"_s.arg(id, query.container.left(64))));
    }
    const bool follow = params.value(u"follow"_s).toBool(false);
    const auto answer = [this, id, query, follow, subscriber, reply] {
        auto lines = m_logs->store().read(id, query);
        if (!lines)
            return reply(lines.error());
        QJsonObject result{{u"deployment"_s, id}, {u"lines"_s, linesJson(*lines)}};
        if (follow) {
            const quint64 subscription = m_nextFollow++;
            m_follows.insert(subscription, LogFollow{subscriber, id, query.container});
            result.insert(u"subscription"_s, qint64(subscription));
        }
        reply(result);
    };
    // A running pod's newest lines are read first, so the answer is as fresh as
    // Podman's; they reach the store (and older follows) before `answer` runs.
    const auto collect =
        record.state == "running"_L1 ? logCollector(id) : std::function<void(Runtime &)>();
    if (!collect)
        return answer();
    m_worker->run<QJsonValue>(
        [collect](Runtime &runtime, Ingress &) -> Result<QJsonValue> {
            collect(runtime);
            return QJsonValue();
        },
        this, [answer](Result<QJsonValue>) { answer(); });
}

void PodService::logsStored(const QString &deploymentId, const QList<LogLine> &lines)
{
    QList<std::pair<LogSubscriber, QJsonObject>> notifications; // sending may end sessions
    for (auto it = m_follows.cbegin(); it != m_follows.cend(); ++it) {
        const LogFollow &follow = it.value();
        if (follow.deploymentId != deploymentId)
            continue;
        QList<LogLine> wanted = lines;
        if (!follow.container.isEmpty())
            wanted.removeIf(
                [&](const LogLine &line) { return line.container != follow.container; });
        if (!wanted.isEmpty())
            notifications.append(
                {follow.subscriber, QJsonObject{{u"deployment"_s, deploymentId},
                                                {u"subscription"_s, qint64(it.key())},
                                                {u"lines"_s, linesJson(wanted)}}});
    }
    for (const auto &[subscriber, params] : std::as_const(notifications)) {
        if (subscriber.deliver)
            subscriber.deliver(params);
        else
            emit notify(subscriber.sessionId, u"pod.logs"_s, params);
    }
}

} // namespace berth::provider
