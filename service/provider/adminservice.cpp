#include "provider/adminservice.h"

#include "admin/adminmethods.h"
#include "provider/adminserver.h"
#include "provider/metricsservice.h"
#include "provider/podservice.h"
#include "provider/statestore.h"

#include <QJsonArray>
#include <QMap>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

Reply wrap(protocol::Reply reply)
{
    return Reply([reply](Result<QJsonValue> result) { reply(std::move(result)); });
}

QString isoTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODateWithMs);
}

} // namespace

AdminService::AdminService(AdminServer *server, const StateStore *store, PodService *pods,
                           const MetricsService *metrics, AdminStatusInfo info, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_store(store)
    , m_pods(pods)
    , m_metrics(metrics)
    , m_info(std::move(info))
{
    namespace method = admin::method;
    server->setHandler(method::Status, [this](quint64, const QJsonObject &, protocol::Reply reply) {
        reply(status());
    });
    server->setHandler(
        method::Deployments,
        [this](quint64, const QJsonObject &, protocol::Reply reply) { reply(deployments()); });
    server->setHandler(method::Metrics,
                       [this](quint64, const QJsonObject &params, protocol::Reply reply) {
                           m_metrics->operatorMetrics(params, wrap(reply));
                       });
    server->setHandler(method::Logs, [this](quint64 session, const QJsonObject &params,
                                            protocol::Reply reply) {
        QPointer<AdminServer> target(m_server);
        LogSubscriber subscriber{m_server, session, [target, session](const QJsonObject &lines) {
                                     if (target)
                                         target->notify(session, admin::method::Logs, lines);
                                 }};
        m_pods->operatorLogs(params, std::move(subscriber), wrap(reply));
    });
    connect(server, &AdminServer::sessionClosed, this,
            [this](quint64 session) { m_pods->subscriberGone(m_server, session); });
}

Result<QJsonValue> AdminService::status() const
{
    auto all = m_store->deployments();
    if (!all)
        return all.error();
    QMap<QString, int> byState;
    for (const DeploymentRecord &record : *all)
        ++byState[record.state];
    const int total = int(all->size());
    QJsonObject states;
    for (auto it = byState.cbegin(); it != byState.cend(); ++it)
        states.insert(it.key(), it.value());
    return QJsonValue(
        QJsonObject{{u"provider"_s, m_info.provider.toChecksumString()},
                    {u"chainId"_s, qint64(m_info.chainId)},
                    {u"version"_s, m_info.version},
                    {u"deployments"_s, QJsonObject{{u"total"_s, total}, {u"byState"_s, states}}},
                    {u"protocolPort"_s, m_info.protocolPort},
                    {u"metricsPort"_s, m_info.metricsPort},
                    {u"adminPort"_s, int(m_server->port())}});
}

Result<QJsonValue> AdminService::deployments() const
{
    auto all = m_store->deployments();
    if (!all)
        return all.error();
    QJsonArray list;
    for (const DeploymentRecord &record : *all)
        list.append(QJsonObject{{u"id"_s, record.id},
                                {u"name"_s, record.name},
                                {u"publisher"_s, record.publisher},
                                {u"state"_s, record.state},
                                {u"channelId"_s, record.channelId},
                                {u"createdAt"_s, isoTime(record.createdAt)},
                                {u"updatedAt"_s, isoTime(record.updatedAt)}});
    return QJsonValue(QJsonObject{{u"deployments"_s, list}});
}

} // namespace berth::provider
