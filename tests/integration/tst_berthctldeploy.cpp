// A publisher's whole path with the berthctl binary only, as a user runs it
// (issue "Publisher: deploy from a manifest to a paid provider with berthctl"):
// two real providers (each its own berthd, Podman and Caddy) registered on one
// Anvil devnet at different prices; deploy, status, logs, events, update,
// top-up, delete and settle, with a secret that must never leave the pod's
// mount in clear, and the refund checked to the base unit.
#include "core/uint256.h"
#include "crypto/secretbytes.h"
#include "folderserver.h"
#include "provider/provideridentity.h"
#include "providerstack.h"
#include "tlsproxy.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace berth;
using namespace berth::test;

namespace {

const QString secretText = u"open-sesame-7f3a91c2"_s;

// The publisher's own image, built here from the busybox rootfs: a name no
// provider can pull.
const QString publisherImage = u"localhost/publisher/site:1"_s;

// A page that shows its version and the secret file the publisher supplies.
QByteArray siteManifest(const QString &name, const QString &version,
                        const QString &image = PodmanFixture::testImage())
{
    return QStringLiteral(R"yaml(apiVersion: berth/v1
kind: Pod
metadata: {name: %1}
containers:
  - name: web
    image: %3
    command: ["/bin/sh", "-c"]
    args:
      - |
        mkdir -p /www
        echo "%2 $(cat /secret/greeting)" > /www/index.html
        echo "site %2 started"
        exec httpd -f -p 8080 -h /www
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 100m, memory: 32Mi}
    volumeMounts:
      - {name: secret, mountPath: /secret, readOnly: true}
volumes:
  - {name: secret, secret: {name: greeting}}
)yaml")
        .arg(name, version, image)
        .toUtf8();
}

QByteArray registryYaml(int port, const QString &region, const QString &tier)
{
    return QStringLiteral(R"(registry:
  register: true
  endpoint: wss://127.0.0.1:%1
  regions: %2
  attributes: tier=%3
  capacity: {cpu: "4", memory: 8Gi, storage: 20Gi, gpus: 0}
metrics: {listen: {port: 0}, intervalSeconds: 1}
)")
        .arg(port)
        .arg(region, tier)
        .toUtf8();
}

// Every file under `root` whose bytes contain `needle` (skipping what is not
// readable), for the secret's absence.
QStringList filesContaining(const QString &root, const QByteArray &needle)
{
    QStringList found;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (f.size() > 64 * 1024 * 1024 || !f.open(QIODevice::ReadOnly))
            continue;
        if (f.readAll().contains(needle))
            found << path;
    }
    return found;
}

} // namespace

class TestBerthctlDeploy : public ProviderStack
{
    Q_OBJECT

    ProviderStack m_second; // provider2: cheaper, same region

    QString manifestFile(const QString &name, const QString &version,
                         const QString &image = PodmanFixture::testImage()) const
    {
        const QString path = m_home.filePath(name + u"-"_s + version + u".yaml"_s);
        QFile f(path);
        if (f.open(QIODevice::WriteOnly))
            f.write(siteManifest(name, version, image));
        return path;
    }

    QString secretOption() const
    {
        return u"greeting.greeting=@"_s + m_home.filePath(u"greeting"_s);
    }

    Run publisher(QStringList args) const { return as(u"publisher"_s, args << u"--json"_s); }

    QJsonObject channel(const QString &id) const
    {
        return reading(u"publisher"_s, {u"escrow"_s, u"show"_s, id, u"--json"_s})
            .json()
            .value(u"channel"_s)
            .toObject();
    }

    static QString urlOf(const QJsonObject &deployed)
    {
        return deployed.value(u"endpoints"_s)
            .toArray()
            .first()
            .toObject()
            .value(u"urls"_s)
            .toArray()
            .first()
            .toString();
    }

    static QString hostOf(const QString &url) { return QUrl(url).host(); }

private slots:
    void initTestCase()
    {
        // Host ports of its own: integration tests run two at a time.
        setPortRanges({47000, 47100, 100});
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: scripts/test installs it (scripts/deps/apt.txt)");
        setExtraConfig(registryYaml(listenPort(), u"eu-west"_s, u"gold"_s));
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
        m_second.setAccount(u"provider2"_s);
        m_second.setCpuCoreHourPrice(u"1.8"_s);
        m_second.setPortRanges({48000, 48100, 100});
        m_second.setExtraConfig(registryYaml(m_second.listenPort(), u"eu-west"_s, u"silver"_s));
        QVERIFY2(m_second.join(*this, &error), qPrintable(error));
        // Both listings are on chain before anyone selects.
        for (const QString &who : {providerAddress(), m_second.providerAddress()}) {
            QDeadlineTimer deadline(60000);
            while (reading(u"publisher"_s, {u"provider"_s, u"show"_s, who}).exitCode != 0 &&
                   !deadline.hasExpired())
                QTest::qWait(250);
            QVERIFY2(!deadline.hasExpired(), qPrintable(who + u" never registered"_s));
        }
        QVERIFY(writeSecretFile(u"greeting"_s, secretText));
    }

    void cleanupTestCase()
    {
        m_second.stop();
        stop();
    }

    // The whole path on one provider, named by address.
    void deployUpdateDeleteAndSettle()
    {
        const QString secret = u"greeting.greeting=@"_s + m_home.filePath(u"greeting"_s);
        Run deployed =
            publisher({u"deploy"_s, manifestFile(u"site"_s, u"v1"_s), u"--provider"_s,
                       providerAddress(), u"--deposit"_s, u"100"_s, u"--secret"_s, secret});
        QVERIFY2(deployed.exitCode == 0, qPrintable(deployed.err));
        const QJsonObject d = deployed.json();
        QCOMPARE(d.value(u"state"_s).toString(), u"running"_s);
        QCOMPARE(d.value(u"provider"_s).toString(), providerAddress());
        const QString url = urlOf(d);
        QVERIFY2(url.startsWith(u"http://site-"_s) &&
                     url.endsWith(u".localhost:%1/"_s.arg(m_caddy.httpPort())),
                 qPrintable(url));
        QString seen;
        QVERIFY2(pageShows(hostOf(url), u"v1 "_s + secretText, &seen), qPrintable(seen));
        const QString channelId = d.value(u"channel"_s).toString();
        const QJsonObject opened = channel(channelId);
        QCOMPARE(opened.value(u"state"_s).toString(), u"open"_s);
        // A top-up checkpoints the channel's start; service began here.
        const quint64 servedFrom = opened.value(u"start"_s).toString().toULongLong();

        // The same name again is refused, with what to do.
        Run again = publisher({u"deploy"_s, manifestFile(u"site"_s, u"v1"_s), u"--provider"_s,
                               providerAddress(), u"--secret"_s, secret});
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains(u"berthctl update site"_s), qPrintable(again.err));

        // ls, status, events, logs.
        Run ls = reading(u"publisher"_s, {u"ls"_s, u"--json"_s});
        QCOMPARE(ls.exitCode, 0);
        const QJsonArray rows = ls.json().value(u"deployments"_s).toArray();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().toObject().value(u"name"_s).toString(), u"site"_s);
        QCOMPARE(rows.first().toObject().value(u"state"_s).toString(), u"running"_s);
        Run status = publisher({u"status"_s, u"site"_s});
        QVERIFY2(status.exitCode == 0, qPrintable(status.err));
        QCOMPARE(status.json().value(u"status"_s).toObject().value(u"runtime"_s).toString(),
                 u"running"_s);
        QCOMPARE(status.json().value(u"channel"_s).toObject().value(u"channelId"_s).toString(),
                 channelId);
        Run events = publisher({u"events"_s, u"site"_s});
        QVERIFY2(events.exitCode == 0, qPrintable(events.err));
        QStringList kinds;
        for (const QJsonValue &e : events.json().value(u"events"_s).toArray())
            kinds << e.toObject().value(u"kind"_s).toString();
        QCOMPARE(kinds, (QStringList{u"provisioning"_s, u"running"_s}));
        QDeadlineTimer logDeadline(20000);
        Run logs;
        do {
            logs = publisher({u"logs"_s, u"site"_s});
        } while (!logs.out.contains(u"site v1 started"_s) && !logDeadline.hasExpired() &&
                 (QTest::qWait(300), true));
        QVERIFY2(logs.out.contains(u"site v1 started"_s), qPrintable(logs.out + logs.err));

        // Its usage, as the provider's collector recorded it.
        QDeadlineTimer metricsDeadline(20000);
        QJsonArray series;
        do {
            Run metrics = publisher({u"metrics"_s, u"site"_s, u"--since"_s, u"10m"_s});
            QVERIFY2(metrics.exitCode == 0, qPrintable(metrics.err));
            series = metrics.json().value(u"metrics"_s).toObject().value(u"series"_s).toArray();
        } while (series.isEmpty() && !metricsDeadline.hasExpired() && (QTest::qWait(500), true));
        QStringList names;
        for (const QJsonValue &v : series) {
            QCOMPARE(v.toObject().value(u"container"_s).toString(), u"web"_s);
            names << v.toObject().value(u"series"_s).toString();
            if (names.last() == u"memory")
                QVERIFY(
                    v.toObject().value(u"points"_s).toArray().first().toArray().at(1).toDouble() >
                    0);
        }
        QVERIFY2(names.contains(u"cpu"_s) && names.contains(u"memory"_s),
                 qPrintable(names.join(u' ')));

        // Update on the same channel.
        Run updated = publisher(
            {u"update"_s, u"site"_s, manifestFile(u"site"_s, u"v2"_s), u"--secret"_s, secret});
        QVERIFY2(updated.exitCode == 0, qPrintable(updated.err));
        QCOMPARE(updated.json().value(u"channel"_s).toString(), channelId);
        QVERIFY2(pageShows(hostOf(url), u"v2 "_s + secretText, &seen), qPrintable(seen));

        // The secret is in the pod's mount only: not in the provider's
        // database, files or log, nor in the publisher's records.
        QVERIFY(!berthdLog().contains(secretText));
        QCOMPARE(filesContaining(m_home.filePath(u"berthd"_s), secretText.toUtf8()), QStringList());
        QCOMPARE(filesContaining(m_home.filePath(u"data"_s), secretText.toUtf8()), QStringList());

        // Top-up by amount.
        const UInt256 depositBefore = *parseUInt256(
            channel(channelId).value(u"deposit"_s).toObject().value(u"baseUnits"_s).toString());
        Run topped = publisher({u"topup"_s, u"site"_s, u"--amount"_s, u"5"_s});
        QVERIFY2(topped.exitCode == 0, qPrintable(topped.err));
        const QJsonObject afterTopUp = channel(channelId);
        const UInt256 deposit = *parseUInt256(
            afterTopUp.value(u"deposit"_s).toObject().value(u"baseUnits"_s).toString());
        QCOMPARE(toDecimalString(deposit), toDecimalString(depositBefore + 5000000)); // 6 decimals

        // Delete: the pod goes, the channel is asked to close.
        Run deleted = publisher({u"delete"_s, u"site"_s});
        QVERIFY2(deleted.exitCode == 0, qPrintable(deleted.err));
        QCOMPARE(berthPods(), QStringList());
        const QJsonObject closing = channel(channelId);
        QCOMPARE(closing.value(u"state"_s).toString(), u"stopping"_s);
        // Before the notice ends, a second delete only says when to come back.
        Run early = publisher({u"delete"_s, u"site"_s});
        QCOMPARE(early.exitCode, 0);
        QCOMPARE(channel(channelId).value(u"state"_s).toString(), u"stopping"_s);

        // After the notice period: settle; the refund is exactly the deposit
        // less rate × time served, from the start to the stop, in the two
        // stretches the top-up's checkpoint made (each rounded down, as Escrow
        // does).
        QVERIFY(timePasses(closing.value(u"noticePeriod"_s).toString().toInt() + 5));
        const QString before = castTokenBalance(publisherAddress());
        Run settled = publisher({u"delete"_s, u"site"_s});
        QVERIFY2(settled.exitCode == 0, qPrintable(settled.err));
        const QJsonObject final = channel(channelId);
        QCOMPARE(final.value(u"state"_s).toString(), u"settled"_s);
        const UInt256 rate = *parseUInt256(closing.value(u"ratePerSecond"_s).toString());
        const quint64 toppedUpAt = closing.value(u"start"_s).toString().toULongLong();
        const quint64 stopAt = closing.value(u"stopAt"_s).toString().toULongLong();
        QVERIFY(servedFrom < toppedUpAt && toppedUpAt < stopAt);
        const UInt256 scale = *parseUInt256(u"1000000000000000000"_s);
        const UInt256 expectedRefund = deposit - rate * (toppedUpAt - servedFrom) / scale -
                                       rate * (stopAt - toppedUpAt) / scale;
        QCOMPARE(settled.json()
                     .value(u"refundedToPublisher"_s)
                     .toObject()
                     .value(u"baseUnits"_s)
                     .toString(),
                 toDecimalString(expectedRefund));
        const UInt256 gained =
            *parseUInt256(castTokenBalance(publisherAddress())) - *parseUInt256(before);
        QCOMPARE(toDecimalString(gained), toDecimalString(expectedRefund));
        QCOMPARE(reading(u"publisher"_s, {u"ls"_s, u"--json"_s})
                     .json()
                     .value(u"deployments"_s)
                     .toArray()
                     .first()
                     .toObject()
                     .value(u"state"_s)
                     .toString(),
                 u"settled"_s);
    }

    // A locally built image, encrypted once and published once, runs on both
    // providers: each fetches the same blob; the publisher uploads nothing to
    // either of them.
    void oneImageUploadOnceRunsOnBothProviders()
    {
        QCOMPARE(m_podman.podman({u"tag"_s, PodmanFixture::testImage(), publisherImage}), 0);
        const QString wrapper = m_home.filePath(u"podman-wrapper"_s);
        QVERIFY(writePodmanWrapper(m_podman, wrapper));
        qputenv("BERTH_PODMAN", QFile::encodeName(wrapper));
        const QString site = m_home.filePath(u"site-host"_s);
        QVERIFY(QDir().mkpath(site));
        BackgroundFolderServer host(site);
        QVERIFY(host.listen());

        Run pushed = publisher(
            {u"image"_s, u"push"_s, publisherImage, u"--publish"_s, site, u"--url"_s, host.base()});
        QVERIFY2(pushed.exitCode == 0, qPrintable(pushed.err));
        const QString sha = pushed.json().value(u"sha256"_s).toString();
        QCOMPARE(sha.size(), 64);
        QCOMPARE(QDir(site).entryList(QDir::Files), QStringList{sha + u".blob"_s});

        Run onFirst =
            publisher({u"deploy"_s, manifestFile(u"app"_s, u"a1"_s, publisherImage),
                       u"--provider"_s, providerAddress(), u"--secret"_s, secretOption()});
        QVERIFY2(onFirst.exitCode == 0, qPrintable(onFirst.err));
        // Both providers are in eu-west; provider2 asks half the CPU price.
        Run onSecond =
            publisher({u"deploy"_s, manifestFile(u"app2"_s, u"a2"_s, publisherImage), u"--select"_s,
                       u"region=eu-west,max-price=1/h"_s, u"--secret"_s, secretOption()});
        QVERIFY2(onSecond.exitCode == 0, qPrintable(onSecond.err));
        QCOMPARE(onSecond.json().value(u"provider"_s).toString(), m_second.providerAddress());
        QString seen;
        QVERIFY2(pageShows(hostOf(urlOf(onFirst.json())), u"a1 "_s + secretText, &seen),
                 qPrintable(seen));
        QVERIFY2(m_second.pageShows(hostOf(urlOf(onSecond.json())), u"a2 "_s + secretText, &seen),
                 qPrintable(seen));
        // Both pods run the blob, which each provider fetched once from the
        // publisher's host; no provider was sent a chunk.
        QCOMPARE(host.requests(), (QList<QByteArray>{"/" + sha.toLatin1() + ".blob",
                                                     "/" + sha.toLatin1() + ".blob"}));
        for (const ProviderStack *p : {static_cast<const ProviderStack *>(this),
                                       static_cast<const ProviderStack *>(&m_second)}) {
            QVERIFY(!p->berthdLog().contains(u"blob.append"_s));
            QVERIFY(
                QFile::exists(p->configPath().section(u'/', 0, -2) + u"/berthd/blobs/"_s + sha));
        }
        // The image is encrypted once: pushing it again reuses the blob.
        Run again = publisher({u"image"_s, u"push"_s, publisherImage});
        QCOMPARE(again.json().value(u"sha256"_s).toString(), sha);
        qunsetenv("BERTH_PODMAN");
    }

    // Bad input: a provider that is not registered, a URL that lies about
    // who it is, a missing secret, an unfunded deposit: nothing is paid.
    void refusalsPayNothing()
    {
        const QString before = castTokenBalance(publisherAddress());
        Run unregistered = publisher({u"deploy"_s, manifestFile(u"bad1"_s, u"v1"_s),
                                      u"--provider"_s, devAccounts().at(u"keeper"_s).address});
        QCOMPARE(unregistered.exitCode, 1);
        QVERIFY2(unregistered.err.contains(u"is not registered"_s), qPrintable(unregistered.err));

        Run noSecret = publisher(
            {u"deploy"_s, manifestFile(u"bad2"_s, u"v1"_s), u"--provider"_s, providerAddress()});
        QCOMPARE(noSecret.exitCode, 1);
        QVERIFY2(noSecret.err.contains(u"--secret greeting.KEY=@FILE"_s), qPrintable(noSecret.err));

        Run tooMuch = publisher({u"deploy"_s, manifestFile(u"bad3"_s, u"v1"_s), u"--provider"_s,
                                 providerAddress(), u"--deposit"_s, u"100000000"_s, u"--secret"_s,
                                 u"greeting.greeting=@"_s + m_home.filePath(u"greeting"_s)});
        QCOMPARE(tooMuch.exitCode, 1);
        QVERIFY2(tooMuch.err.contains(u"tUSD"_s), qPrintable(tooMuch.err));

        // More CPU than the provider lists (4 cores): refused at the quote.
        const QString big = manifestFile(u"bad7"_s, u"v1"_s);
        QFile bigFile(big);
        QVERIFY(bigFile.open(QIODevice::ReadOnly));
        QByteArray bigText = bigFile.readAll();
        bigFile.close();
        bigText.replace("cpu: 100m", "cpu: \"8\"");
        QVERIFY(bigFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
        bigFile.write(bigText);
        bigFile.close();
        Run tooBig = publisher(
            {u"deploy"_s, big, u"--provider"_s, providerAddress(), u"--secret"_s, secretOption()});
        QCOMPARE(tooBig.exitCode, 1);
        QVERIFY2(
            tooBig.err.contains(u"cannot take the pod: it asks for 8 CPU cores; free now: "_s) &&
                tooBig.err.contains(u" of 4 CPU cores."_s),
            qPrintable(tooBig.err));

        Run nowhere = publisher({u"deploy"_s, manifestFile(u"bad4"_s, u"v1"_s), u"--provider"_s,
                                 u"wss://127.0.0.1:%1"_s.arg(freePort())});
        QCOMPARE(nowhere.exitCode, 1);
        QVERIFY2(nowhere.err.contains(u"cannot reach the provider"_s), qPrintable(nowhere.err));

        // Criteria nothing matches: the region, or a price below both.
        for (const QString &criteria :
             {u"region=us-east"_s, u"region=eu-west,max-price=0.01/h"_s}) {
            Run none = publisher({u"deploy"_s, manifestFile(u"bad5"_s, u"v1"_s), u"--select"_s,
                                  criteria, u"--secret"_s, secretOption()});
            QCOMPARE(none.exitCode, 1);
            QVERIFY2(none.err.contains(u"no registered provider matches"_s), qPrintable(none.err));
        }
        Run badCriteria = publisher(
            {u"deploy"_s, manifestFile(u"bad6"_s, u"v1"_s), u"--select"_s, u"colour=blue"_s});
        QCOMPARE(badCriteria.exitCode, 1);
        QVERIFY2(badCriteria.err.contains(u"colour"_s), qPrintable(badCriteria.err));

        QCOMPARE(castTokenBalance(publisherAddress()), before);
    }

    // Lying providers: a listing whose endpoint is another provider's berthd,
    // and a man in the middle with a certificate of its own in front of a real
    // one. Both are refused before anything is sent or paid.
    void lyingProvidersAreRefused()
    {
        const QString before = castTokenBalance(publisherAddress());
        const QString endpoint = u"wss://127.0.0.1:%1"_s.arg(berthdPort());
        Run listed = as(u"keeper"_s, {u"provider"_s, u"register"_s, u"--endpoint"_s, endpoint,
                                      u"--region"_s, u"eu-west"_s, u"--encryption-key"_s,
                                      QString(64, u'7'), u"--cpu-price"_s, u"0.01"_s});
        QVERIFY2(listed.exitCode == 0, qPrintable(listed.err));
        const QString keeper = devAccounts().at(u"keeper"_s).address;
        Run impostor = publisher({u"deploy"_s, manifestFile(u"lie1"_s, u"v1"_s), u"--provider"_s,
                                  keeper, u"--secret"_s, secretOption()});
        QCOMPARE(impostor.exitCode, 1);
        QVERIFY2(impostor.err.contains(u"is provider %1, not %2"_s.arg(providerAddress(), keeper),
                                       Qt::CaseInsensitive),
                 qPrintable(impostor.err));

        QTemporaryDir identityDir;
        auto identity = provider::ProviderIdentity::loadOrCreate(identityDir.path());
        QVERIFY(identity.ok());
        QByteArray keyPem = identity->privateKeyPem();
        OnItsThread<TlsProxy> proxy(QSslCertificate(identity->certificatePem()),
                                    QSslKey(keyPem, QSsl::Ec), quint16(berthdPort()));
        crypto::secureZero(keyPem);
        QVERIFY(proxy.call([](TlsProxy &p) { return p.start(); }));
        const quint16 proxyPort = proxy.call([](TlsProxy &p) { return p.port(); });
        Run intercepted =
            publisher({u"deploy"_s, manifestFile(u"lie2"_s, u"v1"_s), u"--provider"_s,
                       u"wss://127.0.0.1:%1"_s.arg(proxyPort), u"--secret"_s, secretOption()});
        QCOMPARE(intercepted.exitCode, 1);
        QVERIFY2(intercepted.err.contains(u"the TLS certificate"_s) &&
                     intercepted.err.contains(u"nothing was sent to it"_s),
                 qPrintable(intercepted.err));
        QVERIFY(proxy.call([](TlsProxy &p) { return p.connections(); }) >= 1);

        QCOMPARE(castTokenBalance(publisherAddress()), before);
    }

    // A pod that never runs (its image cannot be pulled: this host is offline
    // and the registry does not exist) after the channel was opened: the
    // provider refunds the channel, so the publisher pays nothing; the same
    // name deploys again once the manifest is fixed.
    void failedProvisioningIsRefunded()
    {
        const QString before = castTokenBalance(publisherAddress());
        Run failed = publisher({u"deploy"_s,
                                manifestFile(u"gone"_s, u"v1"_s, u"example.invalid/berth/gone:1"_s),
                                u"--provider"_s, providerAddress(), u"--deposit"_s, u"3"_s,
                                u"--secret"_s, secretOption()});
        QCOMPARE(failed.exitCode, 1);
        QVERIFY2(failed.err.contains(u"the pod never ran"_s), qPrintable(failed.err));
        QVERIFY2(failed.err.contains(u"3 tUSD came back to you and nothing was paid"_s),
                 qPrintable(failed.err));
        QCOMPARE(castTokenBalance(publisherAddress()), before);

        Run events = publisher({u"events"_s, u"gone"_s});
        QCOMPARE(events.exitCode, 0);
        QStringList kinds;
        for (const QJsonValue &e : events.json().value(u"events"_s).toArray())
            kinds << e.toObject().value(u"kind"_s).toString();
        QVERIFY2(kinds.endsWith(u"refunded"_s) && kinds.contains(u"failed"_s),
                 qPrintable(kinds.join(u',')));

        Run ls = reading(u"publisher"_s, {u"ls"_s, u"--json"_s});
        QVERIFY2(ls.exitCode == 0, qPrintable(ls.err));
        QString state;
        for (const QJsonValue &d : ls.json().value(u"deployments"_s).toArray())
            if (d.toObject().value(u"name"_s).toString() == u"gone"_s)
                state = d.toObject().value(u"state"_s).toString();
        QCOMPARE(state, u"refunded"_s);

        // The same name again, with an image the provider has: the settled
        // channel is opened anew and the pod runs.
        Run again =
            publisher({u"deploy"_s, manifestFile(u"gone"_s, u"v2"_s), u"--provider"_s,
                       providerAddress(), u"--deposit"_s, u"2"_s, u"--secret"_s, secretOption()});
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QString seen;
        QVERIFY2(pageShows(hostOf(urlOf(again.json())), u"v2 "_s + secretText, &seen),
                 qPrintable(seen));
    }
};

QTEST_GUILESS_MAIN(TestBerthctlDeploy)
#include "tst_berthctldeploy.moc"
