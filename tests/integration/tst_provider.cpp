// The provider end to end, as a publisher meets it (issue "Provider: berthd runs
// paid pods on Podman behind Caddy"): a real berthd on loopback with a private
// Podman, a private Caddy and an Anvil devnet; the publisher talks to it over
// wss:// with the protocol client, pays with berthctl, and fetches its page
// through Caddy by host name.
#include "chain/priceunits.h"
#include "core/hex.h"
#include "core/uint256.h"
#include "crypto/blobcipher.h"
#include "crypto/eip191.h"
#include "crypto/privatekey.h"
#include "crypto/sealedbox.h"
#include "protocol/attestation.h"
#include "protocol/sessionlogin.h"
#include "providerstack.h"

#include <QDir>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

using namespace berth;
using namespace berth::test;
using protocol::RpcErrorCode;

namespace {

// The site: a page that shows a value kept on the persistent volume (written
// once, on the first start), the version of the manifest, and a secret file.
QByteArray siteManifest(const QString &version, const QString &name = u"site"_s)
{
    return QStringLiteral(R"yaml(apiVersion: berth/v1
kind: Pod
metadata: {name: %2}
containers:
  - name: web
    image: localhost/berth-test/busybox:1
    command: ["/bin/sh", "-c"]
    args:
      - |
        [ -f /data/first ] || cat /proc/sys/kernel/random/uuid > /data/first
        mkdir -p /www
        echo "%1 $(cat /data/first) $(cat /secret/greeting)" > /www/index.html
        echo "site %1 started"
        exec httpd -f -p 8080 -h /www
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 100m, memory: 32Mi}
    volumeMounts:
      - {name: data, mountPath: /data}
      - {name: secret, mountPath: /secret, readOnly: true}
volumes:
  - {name: data, persistent: {size: 64Mi}}
  - {name: secret, secret: {name: greeting}}
)yaml")
        .arg(version, name)
        .toUtf8();
}

} // namespace

class TestProvider : public ProviderStack
{
    Q_OBJECT

    QByteArray m_x25519;
    QString m_deployment; // the site's deployment id
    QString m_host;       // its generated host name
    QString m_firstValue; // what it wrote on its persistent volume

    QJsonObject sealedGreeting(const QByteArray &text) const
    {
        const auto sealed = crypto::SealedBox::seal(text, m_x25519);
        return QJsonObject{
            {u"greeting"_s,
             QJsonObject{{u"greeting"_s, QString::fromLatin1(sealed.value().toBase64())}}}};
    }

private slots:
    void initTestCase()
    {
        if (!PodmanFixture::available())
            QSKIP("podman is not installed: run scripts/test, which installs it");
        QString error;
        QVERIFY2(start(&error), qPrintable(error));
    }

    void cleanupTestCase() { QVERIFY(stop()); }

    void attestationMatchesTheTlsSessionAndTheProvider()
    {
        QString error;
        auto client = connectAs(QString(), &error);
        QVERIFY2(client, qPrintable(error));
        QCOMPARE(client->peerCertificateSha256(), m_pin);
        // Before login: hello, attest and capacity only.
        const auto attest = call(*client, u"provider.attest"_s, {});
        QVERIFY2(attest.ok(), qPrintable(attest ? QString() : attest.error().message));
        const auto verified = protocol::Attestation::verify(
            attest->toObject(), *crypto::Address::fromHex(providerAddress()), 31337,
            client->peerCertificateSha256(), QDateTime::currentSecsSinceEpoch());
        QVERIFY2(verified.ok(), qPrintable(verified ? QString() : verified.error().message));
        m_x25519 = verified->x25519PublicKey;
        const auto capacity = call(*client, u"provider.capacity"_s, {});
        QVERIFY(capacity.ok());
        QCOMPARE(capacity->toObject().value(u"tokenSymbol"_s).toString(), u"tUSD"_s);
        QCOMPARE(codeOf(call(*client, u"pod.status"_s, {})), RpcErrorCode::Unauthenticated);
    }

    void provisionServesThePageThroughCaddy()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        auto quote = quoteAndPay(*client, u"site"_s, siteManifest(u"v1"_s), u"100"_s);
        QVERIFY2(quote.ok(), qPrintable(quote ? QString() : quote.error().message));
        // 100m CPU at 3.6 tUSD per core-hour = 100 units/s; 32 MiB at 2.592 per
        // GiB-month = 1/32 unit/s: 100.03125 units/s, 360 112.5 an hour.
        QCOMPARE(quote->toObject().value(u"perHour"_s).toString(), u"0.360113 tUSD"_s);

        const auto provisioned = call(*client, u"pod.provision"_s,
                                      {{u"name"_s, u"site"_s},
                                       {u"manifest"_s, QString::fromUtf8(siteManifest(u"v1"_s))},
                                       {u"secrets"_s, sealedGreeting("hello-from-a-sealed-box")}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        const QJsonObject result = provisioned->toObject();
        m_deployment = result.value(u"deployment"_s).toString();
        QVERIFY(m_deployment.startsWith(u"site-"_s));
        QCOMPARE(result.value(u"state"_s).toString(), u"running"_s);
        m_host = result.value(u"endpoints"_s)[0][u"hosts"_s][0].toString();
        QCOMPARE(m_host, m_deployment + u".localhost"_s);

        QString page;
        QVERIFY2(pageShows(m_host, u"hello-from-a-sealed-box"_s, &page), qPrintable(page));
        QVERIFY(page.startsWith(u"v1 "_s));
        m_firstValue = page.section(u' ', 1, 1);
        QVERIFY(!m_firstValue.isEmpty());
        // Another host name is not routed to it.
        // (Caddy answers a host nobody routes with an empty 200 of its own.)
        const auto other = fetch(u"nobody.localhost"_s);
        QVERIFY(!other || !other->body.contains("hello-from-a-sealed-box"));

        // The secret is in the pod's tmpfs mount, never in the state store.
        const auto stored = rows(u"SELECT manifest_json || spec_json FROM deployments"_s);
        for (const QStringList &row : stored)
            QVERIFY(!row.join(u' ').contains(u"hello-from-a-sealed-box"_s));

        // Provisioning is idempotent by deployment id.
        const auto again = call(*client, u"pod.provision"_s,
                                {{u"name"_s, u"site"_s},
                                 {u"manifest"_s, QString::fromUtf8(siteManifest(u"v1"_s))},
                                 {u"secrets"_s, sealedGreeting("hello-from-a-sealed-box")}});
        QVERIFY(again.ok());
        QCOMPARE(again->toObject().value(u"deployment"_s).toString(), m_deployment);
    }

    void updateServesNewContentAndKeepsTheVolume()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto updated = call(*client, u"pod.update"_s,
                                  {{u"deployment"_s, m_deployment},
                                   {u"manifest"_s, QString::fromUtf8(siteManifest(u"v2"_s))},
                                   {u"secrets"_s, sealedGreeting("second-greeting")}});
        QVERIFY2(updated.ok(), qPrintable(updated ? QString() : updated.error().message));
        QString page;
        QVERIFY2(pageShows(m_host, u"v2 "_s, &page), qPrintable(page));
        QCOMPARE(page, u"v2 %1 second-greeting"_s.arg(m_firstValue));
    }

    void statusEventsAndLogs()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto status = call(*client, u"pod.status"_s, {{u"deployment"_s, m_deployment}});
        QVERIFY(status.ok());
        QCOMPARE(status->toObject().value(u"state"_s).toString(), u"running"_s);
        QCOMPARE(status->toObject().value(u"runtime"_s).toString(), u"running"_s);
        const auto list = call(*client, u"pod.status"_s, {});
        QVERIFY(list.ok());
        QCOMPARE(list->toObject().value(u"deployments"_s).toArray().size(), 1);

        const auto events = call(*client, u"pod.events"_s, {{u"deployment"_s, m_deployment}});
        QVERIFY(events.ok());
        QStringList kinds;
        for (const QJsonValue &event : events->toObject().value(u"events"_s).toArray())
            kinds.append(event[u"kind"_s].toString());
        QCOMPARE(kinds.mid(0, 4),
                 (QStringList{u"provisioning"_s, u"running"_s, u"updating"_s, u"running"_s}));

        const auto logs =
            call(*client, u"pod.logs"_s, {{u"deployment"_s, m_deployment}, {u"follow"_s, true}});
        QVERIFY(logs.ok());
        const QJsonArray lines = logs->toObject().value(u"lines"_s).toArray();
        QVERIFY2(!lines.isEmpty(), "no log lines");
        QCOMPARE(lines.last()[u"text"_s].toString(), u"site v2 started"_s);
        QCOMPARE(lines.last()[u"container"_s].toString(), u"web"_s);
        QVERIFY(logs->toObject().contains(u"subscription"_s));
    }

    void providerClaimsWhatThePodEarns()
    {
        QVERIFY(!m_deployment.isEmpty());
        const qlonglong before = castTokenBalance(providerAddress()).toLongLong();
        QVERIFY(timePasses(3600));
        // The billing loop claims within its interval (5 s here).
        QDeadlineTimer deadline(30000);
        qlonglong after = before;
        while (!deadline.hasExpired() && after == before) {
            QTest::qWait(500);
            after = castTokenBalance(providerAddress()).toLongLong();
        }
        QVERIFY2(after > before, "no claim within 30 s");
        // Every confirmed claim is one Claimed event and what the balance gained.
        QTRY_VERIFY_WITH_TIMEOUT(
            rows(u"SELECT COUNT(*) FROM claims WHERE state IN ('pending','sent')"_s)
                    .value(0)
                    .value(0) == u"0"_s,
            10000);
        const auto confirmed = rows(u"SELECT SUM(amount) FROM claims WHERE state='confirmed'"_s);
        const Run show = berthctl({u"escrow"_s, u"show"_s,
                                   rows(u"SELECT channel_id FROM deployments"_s).value(0).value(0),
                                   u"--json"_s});
        QVERIFY2(show.exitCode == 0, qPrintable(show.err));
        const QJsonObject channel = show.json().value(u"channel"_s).toObject();
        const qlonglong claimedOnChain =
            channel.value(u"claimed"_s).toObject().value(u"baseUnits"_s).toString().toLongLong();
        QCOMPARE(confirmed.value(0).value(0).toLongLong(), claimedOnChain);
        QCOMPARE(after - before, claimedOnChain);
        // The first claim paid exactly rate × (its block's time − the channel's
        // start), floored to a base unit: the contract's accrual, not a meter.
        const auto first = rows(
            u"SELECT tx_hash, amount FROM claims WHERE state='confirmed' ORDER BY id LIMIT 1"_s);
        QCOMPARE(first.size(), 1);
        const Run receipt = cast({u"receipt"_s, first[0][0], u"blockNumber"_s});
        QVERIFY2(receipt.exitCode == 0, qPrintable(receipt.err));
        const Run block = cast({u"block"_s, receipt.out.trimmed(), u"--field"_s, u"timestamp"_s});
        QVERIFY2(block.exitCode == 0, qPrintable(block.err));
        const UInt256 rate = parseUInt256(channel.value(u"ratePerSecond"_s).toString()).value();
        const UInt256 elapsed = UInt256(block.out.trimmed().toULongLong() -
                                        channel.value(u"start"_s).toString().toULongLong());
        QVERIFY(elapsed >= 3600);
        QCOMPARE(first[0][1], toDecimalString(rate * elapsed / chain::rateScale()));
    }

    void refusalsCarryTheRightCode()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto publisher = connectAs(u"publisher"_s, &error);
        QVERIFY2(publisher, qPrintable(error));
        auto keeper = connectAs(u"keeper"_s, &error);
        QVERIFY2(keeper, qPrintable(error));

        // Unfunded: no channel for this name.
        const auto unfunded =
            call(*publisher, u"pod.provision"_s,
                 {{u"name"_s, u"unpaid"_s},
                  {u"manifest"_s, QString::fromUtf8(plainManifest(u"unpaid"_s))}});
        QCOMPARE(codeOf(unfunded), RpcErrorCode::PaymentRequired);
        QVERIFY(unfunded.error().message.contains(u"no Escrow channel"_s));
        // Another publisher's channel pays nothing for the keeper's pod of that name.
        const auto foreign = call(*keeper, u"pod.provision"_s,
                                  {{u"name"_s, u"site"_s},
                                   {u"manifest"_s, QString::fromUtf8(siteManifest(u"v1"_s))},
                                   {u"secrets"_s, sealedGreeting("x")}});
        QCOMPARE(codeOf(foreign), RpcErrorCode::PaymentRequired);
        // Another publisher's deployment: neither seen nor touched.
        for (const QString &method :
             {u"pod.status"_s, u"pod.delete"_s, u"pod.logs"_s, u"pod.events"_s}) {
            const auto result = call(*keeper, method, {{u"deployment"_s, m_deployment}});
            QCOMPARE(codeOf(result), RpcErrorCode::Forbidden);
        }
        QCOMPARE(
            call(*keeper, u"pod.status"_s, {})->toObject().value(u"deployments"_s).toArray().size(),
            0);
        // Invalid manifest: the error names the field.
        const auto invalid =
            call(*publisher, u"pod.quote"_s,
                 {{u"name"_s, u"bad"_s},
                  {u"manifest"_s,
                   QString::fromUtf8(plainManifest(u"bad"_s)).replace(u"50m"_s, u"lots"_s)}});
        QCOMPARE(codeOf(invalid), RpcErrorCode::InvalidManifest);
        const QJsonArray problems = protocol::toRpcError(invalid.error()).data.toArray();
        QVERIFY(!problems.isEmpty());
        QCOMPARE(problems[0][u"path"_s].toString(), u"containers[0].resources.cpu"_s);
        // An expired quote that never opened a channel.
        const auto quote = call(
            *publisher, u"pod.quote"_s,
            {{u"name"_s, u"late"_s}, {u"manifest"_s, QString::fromUtf8(plainManifest(u"late"_s))}});
        QVERIFY(quote.ok());
        QVERIFY(timePasses(1000));
        const auto late = call(*publisher, u"pod.provision"_s,
                               {{u"name"_s, u"late"_s},
                                {u"manifest"_s, QString::fromUtf8(plainManifest(u"late"_s))},
                                {u"quote"_s, quote->toObject()}});
        QCOMPARE(codeOf(late), RpcErrorCode::QuoteExpired);
    }

    void malformedFramesAndLogins()
    {
        QString error;
        auto client = connectAs(QString(), &error);
        QVERIFY2(client, qPrintable(error));
        QSignalSpy frames(client.get(), &protocol::ProtocolClient::frameReceived);
        // Malformed JSON-RPC: a parse error with a null id, and the session goes on.
        client->sendText("{\"jsonrpc\": \"2.0\", \"method\": ");
        QVERIFY(frames.wait(5000));
        const QJsonObject parseError =
            QJsonDocument::fromJson(frames.takeFirst().at(0).toByteArray()).object();
        QCOMPARE(parseError[u"error"_s][u"code"_s].toInt(), int(RpcErrorCode::ParseError));
        QVERIFY(parseError[u"id"_s].isNull());

        // A replayed login: the same signed nonce on a second connection.
        const auto hello = call(*client, u"session.hello"_s, {});
        QVERIFY(hello.ok());
        const QByteArray nonce =
            QByteArray::fromHex(hello->toObject().value(u"nonce"_s).toString().mid(2).toLatin1());
        const qint64 expires = QDateTime::currentSecsSinceEpoch() + 600;
        protocol::LoginChallenge challenge{*crypto::Address::fromHex(providerAddress()), nonce,
                                           expires, 31337};
        const crypto::Signature signature =
            crypto::signPersonalMessage(keyOf(u"publisher"_s), protocol::loginMessage(challenge));
        const QJsonObject login{{u"publisher"_s, publisherAddress()},
                                {u"nonce"_s, hexString(nonce)},
                                {u"expires"_s, expires},
                                {u"signature"_s, hexString(signature.toRsv())}};
        QVERIFY(call(*client, u"session.login"_s, login).ok());
        auto second = connectAs(QString(), &error);
        QVERIFY2(second, qPrintable(error));
        QCOMPARE(codeOf(call(*second, u"session.login"_s, login)), RpcErrorCode::NonceRejected);

        // An oversize frame: TooLarge, then the connection is closed.
        QSignalSpy closed(second.get(), &protocol::ProtocolClient::closed);
        QSignalSpy secondFrames(second.get(), &protocol::ProtocolClient::frameReceived);
        second->sendText(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pod.status\",\"params\":{\"x\":\"" +
            QByteArray(70000, 'a') + "\"}}");
        QVERIFY(closed.wait(5000) || closed.count() == 1);
        QVERIFY(!secondFrames.isEmpty());
        const QJsonObject tooLarge =
            QJsonDocument::fromJson(secondFrames.first().at(0).toByteArray()).object();
        QCOMPARE(tooLarge[u"error"_s][u"code"_s].toInt(), int(RpcErrorCode::TooLarge));
    }

    void kill9DuringProvisioningLeavesNothingOrphaned()
    {
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        QVERIFY(quoteAndPay(*client, u"crash"_s, plainManifest(u"crash"_s), u"200"_s).ok());
        // Ask, and kill berthd while it provisions.
        client->call(u"pod.provision"_s,
                     {{u"name"_s, u"crash"_s},
                      {u"manifest"_s, QString::fromUtf8(plainManifest(u"crash"_s))}},
                     [](Result<QJsonValue>) {});
        QTRY_VERIFY_WITH_TIMEOUT(
            !rows(u"SELECT id FROM deployments WHERE name='crash'"_s).isEmpty(), 10000);
        killBerthd();
        client.reset();
        QVERIFY2(startBerthd(&error), qPrintable(error));

        // Consistent: what the store says runs, runs and is routed; nothing else does.
        const QString crash = rows(u"SELECT id FROM deployments WHERE name='crash'"_s)[0][0];
        QString page;
        QVERIFY2(pageShows(crash + u".localhost"_s, QString::fromUtf8(pageOf(u"crash"_s)), &page),
                 qPrintable(page));
        QVERIFY2(pageShows(m_host, u"v2 "_s, &page), qPrintable(page));
        QStringList live;
        for (const QStringList &row :
             rows(u"SELECT id FROM deployments WHERE state IN ('running','provisioning')"_s))
            live.append(u"berth-"_s + row[0]);
        QStringList pods = berthPods();
        pods.sort();
        live.sort();
        QCOMPARE(pods, live);

        // Provisioning again is idempotent: the same deployment, running.
        client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto again = call(*client, u"pod.provision"_s,
                                {{u"name"_s, u"crash"_s},
                                 {u"manifest"_s, QString::fromUtf8(plainManifest(u"crash"_s))}});
        QVERIFY2(again.ok(), qPrintable(again ? QString() : again.error().message));
        QCOMPARE(again->toObject().value(u"deployment"_s).toString(), crash);
        QCOMPARE(again->toObject().value(u"state"_s).toString(), u"running"_s);
    }

    void kill9DuringAClaimNeverClaimsTwice()
    {
        QVERIFY(!m_deployment.isEmpty());
        // Blocks only when asked: the claim transaction waits in the pool.
        QCOMPARE(cast({u"rpc"_s, u"evm_setAutomine"_s, u"false"_s}).exitCode, 0);
        QVERIFY(cast({u"rpc"_s, u"evm_increaseTime"_s, u"600"_s}).exitCode == 0);
        QCOMPARE(cast({u"rpc"_s, u"evm_mine"_s}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(!rows(u"SELECT id FROM claims WHERE state='sent'"_s).isEmpty(),
                                 30000);
        killBerthd();
        // The transaction berthd sent is mined after it died.
        QCOMPARE(cast({u"rpc"_s, u"evm_mine"_s}).exitCode, 0);
        QCOMPARE(cast({u"rpc"_s, u"evm_setAutomine"_s, u"true"_s}).exitCode, 0);
        QString error;
        QVERIFY2(startBerthd(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(
            rows(u"SELECT COUNT(*) FROM claims WHERE state IN ('pending','sent')"_s)[0][0] ==
                u"0"_s,
            20000);
        // Every Claimed event on chain is exactly one confirmed claim, amounts equal.
        const Run logs =
            cast({u"logs"_s, u"--from-block"_s, u"0"_s, u"--address"_s, contract(u"escrow"_s),
                  u"Claimed(bytes32 indexed,address indexed,uint256,uint256)"_s, u"--json"_s});
        QVERIFY2(logs.exitCode == 0, qPrintable(logs.err));
        const QJsonArray events = QJsonDocument::fromJson(logs.out.toUtf8()).array();
        const auto confirmed =
            rows(u"SELECT tx_hash FROM claims WHERE state='confirmed' ORDER BY id"_s);
        QString dump;
        for (const QStringList &row : rows(u"SELECT id, channel_id, state, tx_hash, amount, "
                                           "claimed_before FROM claims ORDER BY id"_s))
            dump += row.join(u' ') + u'\n';
        QVERIFY2(confirmed.size() == events.size(),
                 qPrintable(u"%1 confirmed, %2 Claimed events; claims:\n%3events: %4\nberthd: %5"_s
                                .arg(confirmed.size())
                                .arg(events.size())
                                .arg(dump, logs.out, m_berthdLog.right(3000))));
        QStringList chainHashes;
        for (const QJsonValue &event : events)
            chainHashes.append(event[u"transactionHash"_s].toString().toLower());
        for (const QStringList &row : confirmed)
            QVERIFY2(chainHashes.contains(row[0].toLower()), qPrintable(row[0]));
    }

    void uploadedImageRunsOnlyWithItsKey()
    {
        QVERIFY(!m_x25519.isEmpty());
        // The publisher's own image: saved under its own name, encrypted once.
        const QString own = u"localhost/publisher/site:1"_s;
        const QString archive = m_home.filePath(u"image.tar"_s);
        QCOMPARE(podmanFixture().podman({u"tag"_s, PodmanFixture::testImage(), own}), 0);
        QCOMPARE(podmanFixture().podman({u"save"_s, u"-o"_s, archive, own}), 0);
        QCOMPARE(podmanFixture().podman({u"untag"_s, PodmanFixture::testImage(), own}), 0);
        QFile plain(archive);
        QVERIFY(plain.open(QIODevice::ReadOnly));
        QFile cipher(m_home.filePath(u"image.blob"_s));
        QVERIFY(cipher.open(QIODevice::WriteOnly));
        auto blob = crypto::BlobCipher::encrypt(plain, cipher);
        QVERIFY(blob.ok());
        cipher.close();
        QVERIFY(cipher.open(QIODevice::ReadOnly));
        const QByteArray bytes = cipher.readAll();

        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto begun = call(*client, u"blob.begin"_s,
                                {{u"sha256"_s, blob->sha256}, {u"size"_s, qint64(bytes.size())}});
        QVERIFY2(begun.ok(), qPrintable(begun ? QString() : begun.error().message));
        const qint64 chunk = begun->toObject().value(u"maxChunkBytes"_s).toInteger();
        QVERIFY(chunk > 0 && chunk < bytes.size());
        const auto append = [&](protocol::ProtocolClient &c, qint64 offset) {
            return call(c, u"blob.append"_s,
                        {{u"sha256"_s, blob->sha256},
                         {u"offset"_s, offset},
                         {u"data"_s, QString::fromLatin1(bytes.mid(offset, chunk).toBase64())}});
        };
        QVERIFY(append(*client, 0).ok());
        // The connection breaks; a new one resumes where the provider stands.
        client.reset();
        client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto resumed = call(*client, u"blob.begin"_s,
                                  {{u"sha256"_s, blob->sha256}, {u"size"_s, qint64(bytes.size())}});
        QCOMPARE(resumed->toObject().value(u"offset"_s).toInteger(), chunk);
        const auto wrongOffset = append(*client, 0);
        QCOMPARE(codeOf(wrongOffset), RpcErrorCode::Conflict);
        for (qint64 offset = chunk; offset < bytes.size(); offset += chunk) {
            const auto appended = append(*client, offset);
            QVERIFY2(appended.ok(), qPrintable(appended ? QString() : appended.error().message));
        }
        const auto stored = call(*client, u"blob.status"_s, {{u"sha256"_s, blob->sha256}});
        QVERIFY2(stored.ok(), qPrintable(stored ? QString() : stored.error().message));

        const QByteArray manifest = QStringLiteral(R"yaml(apiVersion: berth/v1
kind: Pod
metadata: {name: blobsite}
containers:
  - name: web
    image: {sha256: %1}
    command: ["/bin/sh", "-c", "mkdir -p /www && echo from-an-uploaded-image > /www/index.html && exec httpd -f -p 8080 -h /www"]
    ports: [{name: http, containerPort: 8080, protocol: http}]
    resources: {cpu: 50m, memory: 16Mi}
)yaml")
                                        .arg(blob->sha256)
                                        .toUtf8();
        QVERIFY(quoteAndPay(*client, u"blobsite"_s, manifest, u"20"_s).ok());
        const auto sealKey = [&](const crypto::SecretBytes &key) {
            return QString::fromLatin1(
                crypto::SealedBox::seal(key.view(), m_x25519).value().toBase64());
        };
        // A key that does not open the blob runs nothing.
        const auto forged =
            call(*client, u"pod.provision"_s,
                 {{u"name"_s, u"blobsite"_s},
                  {u"manifest"_s, QString::fromUtf8(manifest)},
                  {u"images"_s, QJsonObject{{blob->sha256, sealKey(crypto::randomSecret(32))}}}});
        QCOMPARE(codeOf(forged), RpcErrorCode::InvalidParams);
        QVERIFY2(forged.error().message.contains(u"does not open this blob"_s),
                 qPrintable(forged.error().message));
        const auto provisioned =
            call(*client, u"pod.provision"_s,
                 {{u"name"_s, u"blobsite"_s},
                  {u"manifest"_s, QString::fromUtf8(manifest)},
                  {u"images"_s, QJsonObject{{blob->sha256, sealKey(blob->key)}}}});
        QVERIFY2(provisioned.ok(),
                 qPrintable(provisioned ? QString() : provisioned.error().message));
        const QString host =
            provisioned->toObject().value(u"endpoints"_s)[0][u"hosts"_s][0].toString();
        QString page;
        QVERIFY2(pageShows(host, u"from-an-uploaded-image"_s, &page), qPrintable(page));
        // Loaded under the blob's name only: the archive's own name is not kept.
        QByteArray images;
        podmanFixture().podman({u"images"_s, u"--format"_s, u"{{.Repository}}:{{.Tag}}"_s},
                               &images);
        QVERIFY2(images.contains(QByteArray("localhost/berth-blob:" + blob->sha256.toLatin1())),
                 images.constData());
        QVERIFY2(!images.contains("localhost/publisher/site"), images.constData());
        // And no decrypted archive is left in berthd's data folder.
        QCOMPARE(QDir(m_home.filePath(u"berthd/tmp"_s)).entryList(QDir::Files), QStringList());
        QVERIFY(call(*client, u"pod.delete"_s,
                     {{u"deployment"_s, provisioned->toObject().value(u"deployment"_s)}})
                    .ok());
    }

    void unpaidPodsStopAfterTheirGracePeriod()
    {
        QVERIFY(!m_deployment.isEmpty());
        // Close to the end of what the site's deposit pays, the publisher is
        // warned; past it and the grace period (120 s here), the pod stops.
        const QString channel =
            rows(u"SELECT channel_id FROM deployments WHERE id='%1'"_s.arg(m_deployment))[0][0];
        const Run show = berthctl({u"escrow"_s, u"show"_s, channel, u"--json"_s});
        QVERIFY2(show.exitCode == 0, qPrintable(show.err));
        const qint64 runway = show.json()
                                  .value(u"channel"_s)
                                  .toObject()
                                  .value(u"runwaySeconds"_s)
                                  .toString()
                                  .toLongLong();
        QVERIFY2(runway > 3600, qPrintable(show.out));
        QVERIFY(timePasses(int(runway - 300)));
        QTRY_VERIFY_WITH_TIMEOUT(
            !rows(u"SELECT id FROM events WHERE deployment_id='%1' AND kind='runway-low'"_s.arg(
                      m_deployment))
                 .isEmpty(),
            30000);
        QCOMPARE(rows(u"SELECT state FROM deployments WHERE id='%1'"_s.arg(m_deployment))[0][0],
                 u"running"_s);
        QVERIFY(timePasses(300 + 200));
        QTRY_VERIFY_WITH_TIMEOUT(rows(u"SELECT state FROM deployments WHERE id='%1'"_s.arg(
                                     m_deployment))[0][0] == u"stopped"_s,
                                 30000);
        QVERIFY(!berthPods().contains(u"berth-"_s + m_deployment));
        // Volumes stay until the publisher deletes the deployment.
        QVERIFY(!berthVolumes().filter(m_deployment).isEmpty());
        const auto page = fetch(m_host);
        QVERIFY(!page || !page->body.contains(m_firstValue.toUtf8()));
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        const auto events = call(*client, u"pod.events"_s, {{u"deployment"_s, m_deployment}});
        QVERIFY(events.ok());
        const QJsonArray list = events->toObject().value(u"events"_s).toArray();
        QCOMPARE(list.last()[u"kind"_s].toString(), u"stopped"_s);
        QVERIFY2(list.last()[u"message"_s].toString().contains(u"grace period"_s),
                 qPrintable(list.last()[u"message"_s].toString()));
    }

    void deleteRemovesPodVolumeAndRoute()
    {
        QVERIFY(!m_deployment.isEmpty());
        QString error;
        auto client = connectAs(u"publisher"_s, &error);
        QVERIFY2(client, qPrintable(error));
        // A running pod ("crash", paid for longer) and a stopped one with a
        // volume (the site, stopped when its deposit ran out).
        const QString crash = rows(u"SELECT id FROM deployments WHERE name='crash'"_s)[0][0];
        QVERIFY(berthPods().contains(u"berth-"_s + crash));
        QVERIFY(!berthVolumes().filter(m_deployment).isEmpty());
        provider::HttpClient admin(u"Caddy"_s);
        const auto routeOf = [&](const QString &id) {
            provider::HttpRequest route;
            route.url = m_caddy.adminUrl() + u"/id/berth-%1--http"_s.arg(id);
            const auto answer = admin.send(route);
            return answer ? answer->status : -1;
        };
        QCOMPARE(routeOf(crash), 200);
        for (const QString &id : {crash, m_deployment}) {
            const auto removed = call(*client, u"pod.delete"_s, {{u"deployment"_s, id}});
            QVERIFY2(removed.ok(), qPrintable(removed ? QString() : removed.error().message));
            QCOMPARE(removed->toObject().value(u"state"_s).toString(), u"deleted"_s);
            QVERIFY(!berthPods().contains(u"berth-"_s + id));
            QVERIFY(berthVolumes().filter(id).isEmpty());
            // The route is gone from Caddy's configuration, not just unreachable.
            QCOMPARE(routeOf(id), 404);
            QCOMPARE(codeOf(call(*client, u"pod.status"_s, {{u"deployment"_s, id}})),
                     RpcErrorCode::NotFound);
            QVERIFY(!QDir(podmanFixture().tmpfsDir() + u"/secrets/"_s + id).exists());
        }
        const auto page = fetch(crash + u".localhost"_s);
        QVERIFY(!page || !page->body.contains(pageOf(u"crash"_s)));
        QCOMPARE(berthPods(), QStringList());
    }
};

QTEST_GUILESS_MAIN(TestProvider)
#include "tst_provider.moc"
