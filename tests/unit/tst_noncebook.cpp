#include "protocol/noncebook.h"
#include "protocol/rpcerror.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::protocol;

namespace {

RpcErrorCode codeOf(const Result<void> &result)
{
    return toRpcError(result.error()).code;
}

} // namespace

class TestNonceBook : public QObject
{
    Q_OBJECT

private slots:
    void noncesAreRandomAndSixteenBytes()
    {
        NonceBook book;
        QSet<QByteArray> seen;
        for (int i = 0; i < 100; ++i) {
            const QByteArray nonce = book.issue(1000);
            QCOMPARE(nonce.size(), 16);
            seen.insert(nonce);
        }
        QCOMPARE(seen.size(), 100);
        QCOMPARE(book.size(), 100);
    }

    void consumedOnce()
    {
        NonceBook book(300);
        const QByteArray nonce = book.issue(1000);
        QVERIFY(book.consume(nonce, 1001).ok());
        QCOMPARE(book.size(), 0);
        const Result<void> replay = book.consume(nonce, 1002);
        QVERIFY(!replay.ok());
        QCOMPARE(codeOf(replay), RpcErrorCode::NonceRejected);
        QVERIFY(replay.error().message.contains(u"unknown or already used"_s));
    }

    void unknownNonceIsRefused()
    {
        NonceBook book;
        (void)book.issue(1000);
        QCOMPARE(codeOf(book.consume(QByteArray(16, '\0'), 1000)), RpcErrorCode::NonceRejected);
        QCOMPARE(codeOf(book.consume("", 1000)), RpcErrorCode::NonceRejected);
    }

    void expiredNonceIsRefused()
    {
        NonceBook book(300);
        const QByteArray nonce = book.issue(1000);
        const Result<void> late = book.consume(nonce, 1300); // valid until 1300, exclusive
        QCOMPARE(codeOf(late), RpcErrorCode::NonceRejected);
        QVERIFY(late.error().message.contains(u"expired"_s));
        const QByteArray fresh = book.issue(1000);
        QVERIFY(book.consume(fresh, 1299).ok());
    }

    void expiredNoncesAreDroppedOnIssue()
    {
        NonceBook book(300);
        (void)book.issue(1000);
        (void)book.issue(1100);
        QCOMPARE(book.size(), 2);
        (void)book.issue(1350); // the first expired at 1300
        QCOMPARE(book.size(), 2);
        (void)book.issue(2000);
        QCOMPARE(book.size(), 1);
    }

    void boundedSizeEvictsTheOldest()
    {
        NonceBook book(300, 3);
        const QByteArray first = book.issue(1000);
        const QByteArray second = book.issue(1000);
        const QByteArray third = book.issue(1000);
        const QByteArray fourth = book.issue(1000);
        QCOMPARE(book.size(), 3);
        QCOMPARE(codeOf(book.consume(first, 1001)), RpcErrorCode::NonceRejected);
        QVERIFY(book.consume(second, 1001).ok());
        QVERIFY(book.consume(fourth, 1001).ok());
        // Consuming frees room: no eviction needed for the next two.
        const QByteArray fifth = book.issue(1001);
        const QByteArray sixth = book.issue(1001);
        QCOMPARE(book.size(), 3);
        QVERIFY(book.consume(third, 1002).ok());
        QVERIFY(book.consume(fifth, 1002).ok());
        QVERIFY(book.consume(sixth, 1002).ok());
        QCOMPARE(book.size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestNonceBook)
#include "tst_noncebook.moc"
