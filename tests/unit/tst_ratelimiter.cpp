#include "protocol/ratelimiter.h"
#include "protocol/sessionlimits.h"

#include <QTest>

using namespace berth::protocol;

class TestRateLimiter : public QObject
{
    Q_OBJECT

private slots:
    void burstThenRefuses()
    {
        RateLimiter limiter(10, 5);
        for (int i = 0; i < 5; ++i)
            QVERIFY(limiter.allow(1000));
        QVERIFY(!limiter.allow(1000));
        QVERIFY(!limiter.allow(1099)); // 0.99 of a token
        QVERIFY(limiter.allow(1100));  // 100 ms at 10/s is one token
        QVERIFY(!limiter.allow(1100));
    }

    void sustainedRateIsTheConfiguredOne()
    {
        RateLimiter limiter(20, 1);
        int allowed = 0;
        for (qint64 ms = 0; ms < 10'000; ms += 10) // a request every 10 ms for 10 s
            allowed += limiter.allow(ms) ? 1 : 0;
        QVERIFY2(allowed >= 199 && allowed <= 201, qPrintable(QString::number(allowed)));
    }

    void refillIsCappedAtTheBurst()
    {
        RateLimiter limiter(100, 3);
        QVERIFY(limiter.allow(0));
        for (int i = 0; i < 3; ++i)
            QVERIFY(limiter.allow(60'000)); // a minute idle gives back only the burst
        QVERIFY(!limiter.allow(60'000));
    }

    void clockGoingBackRefillsNothing()
    {
        RateLimiter limiter(10, 1);
        QVERIFY(limiter.allow(5000));
        QVERIFY(!limiter.allow(1000));
        QVERIFY(!limiter.allow(5050));
        QVERIFY(limiter.allow(5100));
    }

    void retryAfter()
    {
        RateLimiter limiter(4, 1);
        QCOMPARE(limiter.retryAfterMs(0), 0);
        QVERIFY(limiter.allow(0));
        QCOMPARE(limiter.retryAfterMs(0), 250);
        QCOMPARE(limiter.retryAfterMs(100), 150);
        QVERIFY(limiter.allow(250));
        RateLimiter never(0, 1);
        QVERIFY(never.allow(0));
        QCOMPARE(never.retryAfterMs(1'000'000), -1);
    }

    void defaultLimits()
    {
        const SessionLimits limits;
        QCOMPARE(limits.maxFrameBytes, 1024 * 1024);
        QCOMPARE(limits.requestsPerSecond, 20.0);
        QCOMPARE(limits.requestBurst, 40.0);
        QCOMPARE(limits.sessionsPerAddress, 4);
        QCOMPARE(limits.idleTimeoutSeconds, 300);
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
