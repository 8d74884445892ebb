#include "protocol/noncebook.h"

#include "crypto/secretbytes.h"
#include "protocol/rpcerror.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace berth::protocol {

NonceBook::NonceBook(qint64 lifetimeSeconds, qsizetype capacity)
    : m_lifetimeSeconds(std::max<qint64>(1, lifetimeSeconds))
    , m_capacity(std::max<qsizetype>(1, capacity))
{}

QByteArray NonceBook::issue(qint64 nowUnix)
{
    dropExpired(nowUnix);
    while (m_entries.size() >= m_capacity)
        erase(m_byAge.begin()->second);
    QByteArray nonce = crypto::randomBytes(NonceBytes);
    while (m_entries.contains(nonce)) // 2^-128: only a broken random source gets here
        nonce = crypto::randomBytes(NonceBytes);
    const quint64 sequence = m_nextSequence++;
    m_entries.insert(nonce, Entry{nowUnix + m_lifetimeSeconds, sequence});
    m_byAge.emplace(sequence, nonce);
    return nonce;
}

Result<void> NonceBook::consume(QByteArrayView nonce, qint64 nowUnix)
{
    const QByteArray key = nonce.toByteArray();
    const auto it = m_entries.constFind(key);
    if (it == m_entries.constEnd())
        return makeRpcError(RpcErrorCode::NonceRejected,
                            u"the login nonce is unknown or already used: ask session.hello "
                            "for a new one"_s);
    const qint64 expires = it->expires;
    erase(key);
    if (expires <= nowUnix)
        return makeRpcError(RpcErrorCode::NonceRejected,
                            u"the login nonce expired: ask session.hello for a new one"_s);
    return {};
}

void NonceBook::dropExpired(qint64 nowUnix)
{
    // Every nonce lives equally long, so issue order is expiry order.
    while (!m_byAge.empty()) {
        const QByteArray &oldest = m_byAge.begin()->second;
        if (m_entries.value(oldest).expires > nowUnix)
            break;
        erase(oldest);
    }
}

void NonceBook::erase(QByteArray nonce)
{
    const auto it = m_entries.find(nonce);
    if (it == m_entries.end())
        return;
    m_byAge.erase(it->sequence);
    m_entries.erase(it);
}

} // namespace berth::protocol
