#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

#include <map>

namespace berth::protocol {

// The login nonces a provider has handed out (session.hello) and not yet seen
// used (session.login). Each nonce is 16 random bytes, valid for a fixed time,
// and consumed at most once: a replayed login fails. The book holds at most
// `capacity` nonces; issuing one more evicts the oldest outstanding nonce (an
// unauthenticated peer can thus only push out other peers' unused nonces, never
// grow memory), and expired nonces are dropped whenever one is issued.
class NonceBook
{
public:
    static constexpr qsizetype NonceBytes = 16;

    explicit NonceBook(qint64 lifetimeSeconds = 300, qsizetype capacity = 10000);

    // A fresh nonce, valid until nowUnix + lifetimeSeconds.
    QByteArray issue(qint64 nowUnix);
    // Succeeds once for a nonce issued here that has not expired at nowUnix.
    // Errors (makeRpcError): NonceRejected for an unknown, already used, evicted
    // or expired nonce.
    Result<void> consume(QByteArrayView nonce, qint64 nowUnix);

    qsizetype size() const { return m_entries.size(); }
    qint64 lifetimeSeconds() const { return m_lifetimeSeconds; }
    qsizetype capacity() const { return m_capacity; }

private:
    struct Entry
    {
        qint64 expires = 0;
        quint64 sequence = 0;
    };
    void dropExpired(qint64 nowUnix);
    void erase(QByteArray nonce); // by value: callers pass keys the maps own

    qint64 m_lifetimeSeconds;
    qsizetype m_capacity;
    quint64 m_nextSequence = 0;
    QHash<QByteArray, Entry> m_entries;
    std::map<quint64, QByteArray> m_byAge; // issue order: the oldest first
};

} // namespace berth::protocol
