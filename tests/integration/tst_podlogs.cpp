// Logs that outlive the container (issue 7): berthd keeps what each pod's
// containers print under <dataDir>/logs, so pod.logs answers after a container
// exits and its pod is gone, across a pod.update that replaces the pod, across
// kill -9 of berthd, and after pod.delete (for its publisher only) — every line
// once, the newest kept within logs.maxBytesPerDeployment, no secret value in
// them; follow delivers new lines as they are stored. A real berthd with
// Podman, Caddy and a devnet.
#include "crypto/sealedbox.h"
#include "protocol/attestation.h"
#include "providerstack.h"

#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace berth;
using namespace berth::test;
using protocol::RpcErrorCode;

namespace {

constexpr qint64 LogCap = 64 * 1024; // logs.maxBytesPerDeployment in this test

// A pod of one container running `script` with /bin/sh.
QByteArray scriptManifest(const QString &name, const QString &container, const QString &script,
                          const QString &restartPolicy = u"Always"_s)
{
    QString quoted = script;
    quoted.replace(u'\\', u"\\\\"_s).replace(u'"', u"\\\""_s);
    return QStringLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: %1}
restartPolicy: %4
containers:
  - name: %2
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "%3"]
    resources: {cpu: 50m, memory: 16Mi}
)")
        .arg(name, container, quoted, restartPolicy)
        .toUtf8();
}

QStringList numbered(const QString &prefix, int first, int last)
{
    QStringList texts;
    for (int i = first; i <= last; ++i)
        texts.append(prefix + QString::number(i));
    return texts;
}

} // namespace

class TestPodLogs : public ProviderStack
{
    Q_OBJECT

    QString m_ticker; // a deployment that prints "tick-N" five times a second

    QString provision(protocol::ProtocolClient &client, const QString &name,
                      const QByteArray &manifest)
    {
        auto quote = quoteAndPay(client, name, manifest, u"50"_s);
        if (!quote) {
            qWarning().noquote() << "quote:" << quote.error().message;
            return {};
        }
        const auto provisioned =
            call(client, u"pod.provision"_s,
                 {{u"name"_s, name}, {u"manifest"_s, QString::fromUtf8(manifest)}});
        if (!provisioned) {
            qWarning().noquote() << "provision:" << provisioned.error().message;
            return {};
        }
        return provisioned->toObject().value(u"deployment"_s).toString();
    }

    static QJsonArray logLines(protocol::ProtocolClient &client, const QString &deployment,
                               QJsonObject params = {})
    {
        params.insert(u"deployment"_s, deployment);
        if (!params.contains(u"tail"_s))
            params.insert(u"tail"_s, 10000);
        const auto logs = call(client, u"pod.logs"_s, params);
        return logs ? logs->toObject().value(u"lines"_s).toArray() : QJsonArray();
    }

    // Polls pod.logs until its texts end with `last` (or time runs out).
    static QStringList waitForLine(protocol::ProtocolClient &client, const QString &deployment,
                                   const QString &last, int timeoutMs = 20000)
    {
        QDeadlineTimer deadline(timeoutMs);
        QStringList texts;
        while (!deadline.hasExpired()) {
            texts = textsOf(logLines(client, deployment));
            if (texts.contains(last))
                return texts;
            QTest::qWait(250);
        }
        return texts;
    }

    QString logFolder(const QString &deployment) const
    {
        return m_home.filePath(u"berthd/logs/"_s + deployment);
    }

    // The ticks in a list of texts: consecutive from 1, each once.
    static bool ticksAreWhole(const QStringList &texts, int *count)
    {
        *count = int(texts.size());
        return texts == numbered(u"tick-"_s, 1, int(texts.size()));
    }

private slots:
    void initTestCase()
    {
        // Host ports of its own: integration tests run two at a time.
        setPortRanges({46000, 46100, 100});
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: run scripts/test, which installs it");
        // berthd reads its settings' overrides from the environment.
        qputenv("BERTH_LOGS_MAXBYTESPERDEPLOYMENT", QByteArray::number(LogCap));
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
    }

    void cleanupTestCase()
    {
        qunsetenv("BERTH_LOGS_MAXBYTESPERDEPLOYMENT");
        QVERIFY(stop());
    }

    void linesOutliveTheContainerAndItsPod()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const QString id = provision(
            *client, u"once"_s,
            scriptManifest(u"once"_s, u"job"_s,
                           u"i=0; while [ $i -lt 20 ]; do i=$((i+1)); echo line-$i; done; "
                           "echo to-stderr >&2; exit 0"_s,
                           u"Never"_s));
        QVERIFY(!id.isEmpty());
        QStringList texts = waitForLine(*client, id, u"to-stderr"_s);
        QCOMPARE(texts, numbered(u"line-"_s, 1, 20) << u"to-stderr"_s);

        // The container exited; its pod goes too (as an operator or a crash
        // would remove it): the lines stay.
        QCOMPARE(m_podman.podman({u"pod"_s, u"rm"_s, u"-f"_s, u"berth-"_s + id}), 0);
        QTest::qWait(1500); // a collection pass finds no pod
        const QJsonArray lines = logLines(*client, id);
        QCOMPARE(textsOf(lines), numbered(u"line-"_s, 1, 20) << u"to-stderr"_s);
        QCOMPARE(lines.first()[u"container"_s].toString(), u"job"_s);
        QCOMPARE(lines.first()[u"stream"_s].toString(), u"stdout"_s);
        QCOMPARE(lines.last()[u"stream"_s].toString(), u"stderr"_s);
        QVERIFY(QDateTime::fromString(lines.first()[u"time"_s].toString(), Qt::ISODateWithMs)
                    .isValid());
        // tail counts from the newest; a container the pod does not have is NotFound.
        QCOMPARE(textsOf(logLines(*client, id, {{u"tail"_s, 2}})),
                 (QStringList{u"line-20"_s, u"to-stderr"_s}));
        QCOMPARE(codeOf(call(*client, u"pod.logs"_s,
                             {{u"deployment"_s, id}, {u"container"_s, u"nope"_s}})),
                 RpcErrorCode::NotFound);

        // The files: owner-only, one JSON object per line.
        const QFileInfo folder(logFolder(id));
        QVERIFY(folder.isDir());
        QCOMPARE(int(folder.permissions() & (QFile::ReadGroup | QFile::ReadOther)), 0);
        QFile current(logFolder(id) + u"/current.jsonl"_s);
        QVERIFY(current.open(QIODevice::ReadOnly));
        const QList<QByteArray> stored = current.readAll().trimmed().split('\n');
        QCOMPARE(stored.size(), 21);
        QVERIFY(stored.first().contains(R"("x":"line-1")"));
        QVERIFY(stored.first().contains(R"("c":"job")"));
    }

    void updateKeepsTheOldPodsLinesThenTheNew()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // Five equal lines in one burst (the same second), then it waits, and
        // says goodbye when it is stopped.
        const auto burst = [](const QString &version) {
            return u"trap 'echo %1-bye; exit 0' TERM; for i in 1 2 3 4 5; do echo %1-same; done; "
                   "echo %1-done; while true; do sleep 0.2; done"_s.arg(version);
        };
        const QString id =
            provision(*client, u"swap"_s, scriptManifest(u"swap"_s, u"app"_s, burst(u"v1"_s)));
        QVERIFY(!id.isEmpty());
        QStringList v1;
        for (int i = 0; i < 5; ++i)
            v1.append(u"v1-same"_s);
        v1.append(u"v1-done"_s);
        QCOMPARE(waitForLine(*client, id, u"v1-done"_s), v1);
        QTest::qWait(2500); // passes read the same second again: still once

        const auto updated =
            call(*client, u"pod.update"_s,
                 {{u"deployment"_s, id},
                  {u"manifest"_s,
                   QString::fromUtf8(scriptManifest(u"swap"_s, u"app"_s, burst(u"v2"_s)))}});
        QVERIFY2(updated.ok(), qPrintable(updated ? QString() : updated.error().message));
        // The old pod's lines, what it printed while it stopped, the new pod's.
        QStringList both = v1;
        both.append(u"v1-bye"_s);
        for (const QString &line : std::as_const(v1))
            both.append(QString(line).replace(u"v1"_s, u"v2"_s));
        QCOMPARE(waitForLine(*client, id, u"v2-done"_s), both);
        QTest::qWait(2500);
        QCOMPARE(textsOf(logLines(*client, id)), both);
    }

    void killingBerthdLosesAndRepeatsNothing()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        m_ticker =
            provision(*client, u"ticker"_s,
                      scriptManifest(u"ticker"_s, u"clock"_s,
                                     u"trap 'echo bye; exit 0' TERM; i=0; "
                                     "while true; do i=$((i+1)); echo tick-$i; sleep 0.2; done"_s));
        QVERIFY(!m_ticker.isEmpty());
        QVERIFY(!waitForLine(*client, m_ticker, u"tick-10"_s).isEmpty());
        client.reset();

        killBerthd();
        QTest::qWait(3000); // the pod goes on printing while berthd is down
        QVERIFY2(startBerthd(&error), qPrintable(error));
        client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // Before the kill about 10 ticks, while down about 15 more.
        const QStringList texts = waitForLine(*client, m_ticker, u"tick-40"_s, 30000);
        int count = 0;
        QVERIFY2(ticksAreWhole(texts, &count), qPrintable(texts.join(u' ')));
        QVERIFY(count >= 40);
        QTest::qWait(2000);
        QVERIFY2(ticksAreWhole(textsOf(logLines(*client, m_ticker)), &count),
                 qPrintable(QString::number(count)));
    }

    void followDeliversLinesPrintedAfterTheCall()
    {
        QVERIFY(!m_ticker.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        QSignalSpy notified(client.get(), &protocol::ProtocolClient::notification);
        const auto logs = call(*client, u"pod.logs"_s,
                               {{u"deployment"_s, m_ticker}, {u"tail"_s, 1}, {u"follow"_s, true}});
        QVERIFY(logs.ok());
        const QJsonArray history = logs->toObject().value(u"lines"_s).toArray();
        QCOMPARE(history.size(), 1);
        const int last = history[0][u"text"_s].toString().mid(5).toInt();
        const qint64 subscription = logs->toObject().value(u"subscription"_s).toInteger();
        QVERIFY(subscription > 0);

        QStringList followed;
        QDeadlineTimer deadline(15000);
        while (followed.size() < 10 && !deadline.hasExpired()) {
            if (notified.isEmpty() && !notified.wait(3000))
                continue;
            const auto notification = notified.takeFirst().at(0).value<protocol::Notification>();
            if (notification.method != "pod.logs"_L1)
                continue;
            QCOMPARE(notification.params.value(u"deployment"_s).toString(), m_ticker);
            QCOMPARE(notification.params.value(u"subscription"_s).toInteger(), subscription);
            followed += textsOf(notification.params.value(u"lines"_s).toArray());
        }
        QVERIFY2(followed.size() >= 10, qPrintable(followed.join(u' ')));
        // Exactly the lines after the history, in order.
        QCOMPARE(followed, numbered(u"tick-"_s, last + 1, last + int(followed.size())));
    }

    void deletedDeploymentsLogsStayForItsPublisherOnly()
    {
        QVERIFY(!m_ticker.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto removed = call(*client, u"pod.delete"_s, {{u"deployment"_s, m_ticker}});
        QVERIFY2(removed.ok(), qPrintable(removed ? QString() : removed.error().message));
        QVERIFY(!berthPods().contains(u"berth-"_s + m_ticker));

        // Every tick once, and what it printed while it was stopped.
        const QStringList kept = textsOf(logLines(*client, m_ticker));
        QVERIFY(!kept.isEmpty());
        QCOMPARE(kept.last(), u"bye"_s);
        int count = 0;
        QVERIFY2(ticksAreWhole(kept.mid(0, kept.size() - 1), &count), qPrintable(kept.join(u' ')));
        QVERIFY(count >= 40);
        QTest::qWait(1500);
        QCOMPARE(textsOf(logLines(*client, m_ticker)), kept);
        // Other methods see it gone; another publisher may not read its logs.
        QCOMPARE(codeOf(call(*client, u"pod.status"_s, {{u"deployment"_s, m_ticker}})),
                 RpcErrorCode::NotFound);
        auto other = connectAs(u"keeper"_s, &error);
        QVERIFY2(other, qPrintable(error));
        QCOMPARE(codeOf(call(*other, u"pod.logs"_s, {{u"deployment"_s, m_ticker}})),
                 RpcErrorCode::Forbidden);
        QCOMPARE(codeOf(call(*client, u"pod.logs"_s, {{u"deployment"_s, u"never-12345678"_s}})),
                 RpcErrorCode::NotFound);
    }

    void secretValuesNeverReachTheKeptLogs()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto attest = call(*client, u"provider.attest"_s, {});
        QVERIFY(attest.ok());
        const auto verified = protocol::Attestation::verify(
            attest->toObject(), *crypto::Address::fromHex(providerAddress()), 31337,
            client->peerCertificateSha256(), QDateTime::currentSecsSinceEpoch());
        QVERIFY(verified.ok());
        const QByteArray value = "secret-value-7f3a9c";
        const auto sealed = crypto::SealedBox::seal(value, verified->x25519PublicKey);
        QVERIFY(sealed.ok());
        const QByteArray manifest = QByteArrayLiteral(R"(apiVersion: berth/v1
kind: Pod
metadata: {name: quiet}
containers:
  - name: app
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c", "echo token has $(wc -c < /secret/token) bytes; exec sleep 3600"]
    resources: {cpu: 50m, memory: 16Mi}
    volumeMounts: [{name: secret, mountPath: /secret, readOnly: true}]
volumes:
  - {name: secret, secret: {name: token}}
)");
        QVERIFY(quoteAndPay(*client, u"quiet"_s, manifest, u"50"_s).ok());
        const auto provisioned = call(
            *client, u"pod.provision"_s,
            {{u"name"_s, u"quiet"_s},
             {u"manifest"_s, QString::fromUtf8(manifest)},
             {u"secrets"_s,
              QJsonObject{{u"token"_s,
                           QJsonObject{{u"token"_s, QString::fromLatin1(sealed->toBase64())}}}}}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        const QString id = provisioned->toObject().value(u"deployment"_s).toString();
        QCOMPARE(waitForLine(*client, id, u"token has 19 bytes"_s),
                 QStringList{u"token has 19 bytes"_s});
        QVERIFY(call(*client, u"pod.delete"_s, {{u"deployment"_s, id}}).ok());
        // Neither the kept logs nor berthd's own output hold the value.
        QDirIterator files(m_home.filePath(u"berthd/logs"_s), QDir::Files,
                           QDirIterator::Subdirectories);
        int seen = 0;
        while (files.hasNext()) {
            QFile file(files.next());
            QVERIFY(file.open(QIODevice::ReadOnly));
            QVERIFY2(!file.readAll().contains(value), qPrintable(file.fileName()));
            ++seen;
        }
        QVERIFY(seen > 0);
        m_berthdLog += QString::fromUtf8(m_berthd.readAll());
        QVERIFY(!m_berthdLog.contains(QString::fromLatin1(value)));
    }

    void theCapHoldsAndTheNewestLinesStay()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // 3000 lines of about 110 bytes: five times the cap.
        const QString id = provision(
            *client, u"flood"_s,
            scriptManifest(
                u"flood"_s, u"tap"_s,
                u"pad=$(printf '%0100d' 0); i=0; while [ $i -lt 3000 ]; do "
                "i=$((i+1)); printf 'flood-%05d %s\\n' $i $pad; done; exec sleep 3600"_s));
        QVERIFY(!id.isEmpty());
        QDeadlineTimer deadline(30000);
        QJsonArray lines;
        while (!deadline.hasExpired()) {
            lines = logLines(*client, id);
            if (!lines.isEmpty() && lines.last()[u"text"_s].toString().startsWith(u"flood-03000"_s))
                break;
            QTest::qWait(250);
        }
        QVERIFY(!lines.isEmpty());
        QVERIFY(lines.last()[u"text"_s].toString().startsWith(u"flood-03000 "_s));
        // The newest lines, contiguous; the oldest gone.
        const int first = lines.first()[u"text"_s].toString().mid(6, 5).toInt();
        QVERIFY(first > 1);
        for (qsizetype i = 0; i < lines.size(); ++i)
            QVERIFY2(lines[i][u"text"_s].toString().mid(6, 5).toInt() == first + int(i),
                     qPrintable(lines[i][u"text"_s].toString() + u" | "_s +
                                lines[qMax(qsizetype(0), i - 1)][u"text"_s].toString()));
        qint64 bytes = 0;
        QDirIterator files(logFolder(id), QDir::Files);
        while (files.hasNext())
            bytes += QFileInfo(files.next()).size();
        QVERIFY2(bytes <= LogCap, qPrintable(QString::number(bytes)));
        // It rotated: one full file and the current one.
        QVERIFY(QFile::exists(logFolder(id) + u"/previous.jsonl"_s));
        QVERIFY(bytes > LogCap / 3);
    }
};

QTEST_GUILESS_MAIN(TestPodLogs)
#include "tst_podlogs.moc"
