#include "protocol/reply.h"

#include "protocol/protocollogging.h"
#include "protocol/rpcerror.h"
#include "protocol/rpcmessage.h"

using namespace Qt::StringLiterals;

namespace berth::protocol {

struct Reply::State
{
    RequestId id;
    QString method;
    std::weak_ptr<Sender> sender;
    Observer observer;
    bool answered = false;

    void send(const Response &response)
    {
        if (const std::shared_ptr<Sender> alive = sender.lock())
            (*alive)(encodeResponse(response));
    }

    ~State()
    {
        if (answered)
            return;
        qCWarning(lcProtocol) << "the handler of" << method << "dropped its request unanswered";
        if (observer)
            observer(false);
        send(Response::failure(
            id, RpcError{.code = RpcErrorCode::InternalError,
                         .message = u"the provider did not answer this request: report it"_s}));
    }
};

Reply::Reply(RequestId id, QString method, std::weak_ptr<Sender> sender, Observer observer)
    : m_state(std::make_shared<State>())
{
    m_state->observer = std::move(observer);
    m_state->id = std::move(id);
    m_state->method = std::move(method);
    m_state->sender = std::move(sender);
}

bool Reply::answered() const
{
    return m_state && m_state->answered;
}

void Reply::operator()(Result<QJsonValue> result) const
{
    if (!m_state || m_state->answered)
        return;
    m_state->answered = true;
    if (m_state->observer)
        m_state->observer(result.ok());
    if (result.ok()) {
        QJsonValue value = std::move(result).value();
        if (value.isUndefined())
            value = QJsonValue(QJsonValue::Null);
        m_state->send(Response::success(m_state->id, std::move(value)));
        return;
    }
    RpcError error = toRpcError(result.error());
    if (error.code == RpcErrorCode::InternalError) {
        // The message is for the operator's log, not for the peer.
        qCWarning(lcProtocol).noquote()
            << "internal error in" << m_state->method << ':' << result.error().message;
        error = RpcError{.code = RpcErrorCode::InternalError,
                         .message = u"internal error in the provider: report it to its operator"_s};
    }
    m_state->send(Response::failure(m_state->id, std::move(error)));
}

} // namespace berth::protocol
