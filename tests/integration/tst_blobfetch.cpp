// berthd fetching a blob named by URL (BlobService::fetchFromUrl): from a small
// HTTP responder on 127.0.0.1 in this test, hash-checked, moved into the store;
// wrong content, a 404, no server and URLs berthd must not fetch from refused.

#include "crypto/blobcipher.h"
#include "manifest/kuberenderer.h"
#include "protocol/rpcerror.h"
#include "provider/blobservice.h"
#include "provider/blobstore.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <future>
#include <memory>

using namespace Qt::StringLiterals;
using namespace berth;
using namespace berth::provider;

namespace {

// Answers GET requests from a table of path → (status, body); remembers the
// request targets it saw (path and query).
class Responder : public QObject
{
public:
    Responder()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    quint16 port() const { return m_server.serverPort(); }
    QString base() const { return u"http://127.0.0.1:%1"_s.arg(port()); }
    void set(const QByteArray &path, int status, const QByteArray &body)
    {
        m_routes.insert(path, {status, body});
    }
    const QList<QByteArray> &requests() const { return m_requests; }

private:
    struct Route
    {
        int status = 404;
        QByteArray body;
    };

    void serve(QTcpSocket *socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            if (!buffer->contains("\r\n\r\n"))
                return;
            const QList<QByteArray> line = buffer->left(buffer->indexOf("\r\n")).split(' ');
            const QByteArray target = line.value(1);
            m_requests.append(target);
            const Route route = m_routes.value(target.split('?').value(0), Route{});
            QByteArray answer = "HTTP/1.1 " + QByteArray::number(route.status) +
                                " X\r\nContent-Length: " + QByteArray::number(route.body.size()) +
                                "\r\nConnection: close\r\n\r\n";
            socket->write(answer + route.body);
            socket->disconnectFromHost();
        });
    }

    QTcpServer m_server;
    QHash<QByteArray, Route> m_routes;
    QList<QByteArray> m_requests;
};

QString sha256Hex(QByteArrayView data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// Runs the blocking call on another thread while this one serves HTTP.
template<typename F> auto whileServing(F call)
{
    auto future = std::async(std::launch::async, std::move(call));
    const QDeadlineTimer deadline(60000);
    while (future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready &&
           !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return future.get();
}

// The test's "sealed box": the key itself.
Result<crypto::SecretBytes> openPlain(QByteArrayView sealed)
{
    return crypto::SecretBytes(sealed);
}

} // namespace

class TestBlobFetch : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_responder = std::make_unique<Responder>();
        QVERIFY(m_responder->listen());
    }

    void cleanup()
    {
        m_responder.reset();
        m_dir.reset();
    }

    void fetchStoresAVerifiedBlob()
    {
        const QByteArray content = QByteArray(300 * 1024, 'b') + "end";
        const QString sha = sha256Hex(content);
        m_responder->set("/blobs/app", 200, content);
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        const QString url = m_responder->base() + u"/blobs/app?token=s3cret"_s;
        auto fetched = whileServing([&] { return blobs.fetchFromUrl(sha, url); });
        QVERIFY2(fetched, qPrintable(fetched ? QString() : fetched.error().message));
        QCOMPARE(m_responder->requests(), QList<QByteArray>{"/blobs/app?token=s3cret"});
        QVERIFY(isStored(sha));
        QFile file(storedPath(sha));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), content);
        QCOMPARE(file.permissions() &
                     (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
                 QFile::Permissions());
        QCOMPARE(leftovers(), QStringList());

        // Stored already: nothing is fetched again.
        auto again = whileServing([&] { return blobs.fetchFromUrl(sha, url); });
        QVERIFY(again);
        QCOMPARE(m_responder->requests().size(), 1);
    }

    void wrongContentIsRefusedAndNotStored()
    {
        const QString sha = sha256Hex("what the publisher meant");
        m_responder->set("/blob", 200, "something else entirely");
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        auto fetched =
            whileServing([&] { return blobs.fetchFromUrl(sha, m_responder->base() + u"/blob"_s); });
        QVERIFY(!fetched);
        QCOMPARE(protocol::toRpcError(fetched.error()).code, protocol::RpcErrorCode::InvalidParams);
        QVERIFY2(fetched.error().message.contains(u"is not sha256 "_s + sha),
                 qPrintable(fetched.error().message));
        QVERIFY(!isStored(sha));
        QVERIFY(!QFile::exists(storedPath(sha)));
        QCOMPARE(leftovers(), QStringList());
    }

    void notFoundIsAClearError()
    {
        const QString sha = sha256Hex("gone");
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        auto fetched = whileServing([&] {
            return blobs.fetchFromUrl(sha, m_responder->base() + u"/private/path?sig=abc123"_s);
        });
        QVERIFY(!fetched);
        const QString message = fetched.error().message;
        QCOMPARE(protocol::toRpcError(fetched.error()).code, protocol::RpcErrorCode::NotFound);
        QVERIFY2(message.contains(u"HTTP 404"_s), qPrintable(message));
        QVERIFY2(message.contains(u"127.0.0.1:%1"_s.arg(m_responder->port())), qPrintable(message));
        QVERIFY2(!message.contains(u"abc123"_s) && !message.contains(u"private"_s),
                 qPrintable(message));
        QVERIFY(!isStored(sha));
        QCOMPARE(leftovers(), QStringList());
    }

    void noServerIsUnavailable()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost));
            port = probe.serverPort();
        }
        const QString sha = sha256Hex("x");
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        auto fetched = blobs.fetchFromUrl(sha, u"https://127.0.0.1:%1/b?token=s3cret"_s.arg(port));
        QVERIFY(!fetched);
        QCOMPARE(fetched.error().code, ErrorCode::Unavailable);
        QVERIFY2(fetched.error().message.contains(u"127.0.0.1:%1"_s.arg(port)),
                 qPrintable(fetched.error().message));
        QVERIFY(!fetched.error().message.contains(u"s3cret"_s));
        QVERIFY(!isStored(sha));
        QCOMPARE(leftovers(), QStringList());
    }

    void urlsBerthdDoesNotFetchFromAreRefusedBeforeAnyRequest_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("http to another host") << u"http://192.0.2.1:%1/blob"_s;
        QTest::newRow("http to a name") << u"http://blobs.example:%1/blob"_s;
        QTest::newRow("ftp") << u"ftp://127.0.0.1:%1/blob"_s;
        QTest::newRow("file") << u"file:///etc/passwd"_s;
        QTest::newRow("no url") << u"not a url %1"_s;
    }

    void urlsBerthdDoesNotFetchFromAreRefusedBeforeAnyRequest()
    {
        QFETCH(QString, url);
        if (url.contains(u"%1"_s))
            url = url.arg(m_responder->port());
        const QString sha = sha256Hex("x");
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        QElapsedTimer timer;
        timer.start();
        auto fetched = blobs.fetchFromUrl(sha, url);
        QVERIFY(!fetched);
        QVERIFY(timer.elapsed() < 1000); // no connection attempted (192.0.2.1 would hang)
        QCOMPARE(protocol::toRpcError(fetched.error()).code, protocol::RpcErrorCode::InvalidParams);
        QVERIFY2(fetched.error().message.contains(u"https://"_s),
                 qPrintable(fetched.error().message));
        QVERIFY(m_responder->requests().isEmpty());
        QVERIFY(!isStored(sha));
    }

    void moreThanMaxBlobBytesIsRefused()
    {
        const QByteArray content(5000, 'z');
        const QString sha = sha256Hex(content);
        m_responder->set("/big", 200, content);
        BlobStoreLimits limits;
        limits.maxBlobBytes = 4096;
        auto store = BlobStore::open(m_dir->path(), limits);
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024);

        auto fetched =
            whileServing([&] { return blobs.fetchFromUrl(sha, m_responder->base() + u"/big"_s); });
        QVERIFY(!fetched);
        QCOMPARE(protocol::toRpcError(fetched.error()).code, protocol::RpcErrorCode::TooLarge);
        QVERIFY2(fetched.error().message.contains(u"4096"_s), qPrintable(fetched.error().message));
        QVERIFY(!isStored(sha));
        QCOMPARE(leftovers(), QStringList());
    }

    // A pod naming a blob by URL plans without the blob, and the key is checked
    // once the blob is fetched.
    void podImageWithUrlIsFetchedThenKeyChecked()
    {
        const crypto::SecretBytes key(QByteArray(crypto::BlobCipher::KeySize, '\x07'));
        QByteArray plain("an image archive");
        QBuffer in(&plain);
        QByteArray encrypted;
        QBuffer out(&encrypted);
        QVERIFY(in.open(QIODevice::ReadOnly) && out.open(QIODevice::WriteOnly));
        QVERIFY(crypto::BlobCipher::encrypt(in, out, key));
        const QString sha = sha256Hex(encrypted);
        m_responder->set("/app.blob", 200, encrypted);
        auto store = BlobStore::open(m_dir->path());
        QVERIFY(store);
        BlobService blobs(std::move(store).value(), openPlain, 1024 * 1024);

        manifest::Pod pod;
        manifest::Container container;
        container.name = u"app"_s;
        container.image.blobSha256 = sha;
        pod.containers.append(container);

        // Without a url an absent blob is NotFound, as before.
        const QJsonObject keys{{sha, QString::fromLatin1(key.view().toByteArray().toBase64())}};
        auto planned = blobs.imagesFor(pod, keys);
        QVERIFY(!planned);
        QCOMPARE(protocol::toRpcError(planned.error()).code, protocol::RpcErrorCode::NotFound);

        // A url berthd would not fetch from is refused while planning.
        pod.containers[0].image.blobUrl = u"http://192.0.2.1/app.blob"_s;
        planned = blobs.imagesFor(pod, keys);
        QVERIFY(!planned);
        QCOMPARE(protocol::toRpcError(planned.error()).code, protocol::RpcErrorCode::InvalidParams);
        QVERIFY2(planned.error().message.startsWith(u"container app: "_s),
                 qPrintable(planned.error().message));

        pod.containers[0].image.blobUrl = m_responder->base() + u"/app.blob"_s;
        planned = blobs.imagesFor(pod, keys);
        QVERIFY2(planned, qPrintable(planned ? QString() : planned.error().message));
        QCOMPARE(planned->size(), 1);
        QCOMPARE(planned->at(0).url, pod.containers[0].image.blobUrl);
        QCOMPARE(planned->at(0).imageName, manifest::blobImageName(sha));

        // A key that does not open the blob is refused after the fetch.
        BlobImage wrong = planned->at(0);
        wrong.key = crypto::SecretBytes(QByteArray(crypto::BlobCipher::KeySize, '\x08'));
        auto refused = whileServing([&] { return blobs.fetchIfMissing(wrong); });
        QVERIFY(!refused);
        QCOMPARE(protocol::toRpcError(refused.error()).code, protocol::RpcErrorCode::InvalidParams);
        QVERIFY2(refused.error().message.contains(u"does not open"_s),
                 qPrintable(refused.error().message));
        QVERIFY(isStored(sha)); // the blob itself is fine

        auto ready = whileServing([&] { return blobs.fetchIfMissing(planned->at(0)); });
        QVERIFY2(ready, qPrintable(ready ? QString() : ready.error().message));
        QCOMPARE(m_responder->requests().size(), 1);
        auto archive = blobs.decryptToTemp(planned->at(0));
        QVERIFY(archive);
        QFile decrypted(*archive);
        QVERIFY(decrypted.open(QIODevice::ReadOnly));
        QCOMPARE(decrypted.readAll(), plain);
        QFile::remove(*archive);

        // Stored now: planning checks the key straight away and names no url.
        auto replanned = blobs.imagesFor(pod, keys);
        QVERIFY(replanned);
        QVERIFY(replanned->at(0).url.isEmpty());
    }

private:
    // What the store holds, seen from outside (the service owns the store).
    QString storedPath(const QString &sha) const { return m_dir->path() + u"/blobs/"_s + sha; }
    bool isStored(const QString &sha) const { return QFileInfo(storedPath(sha)).isFile(); }

    // Files a fetch left in <dataDir>/tmp.
    QStringList leftovers() const
    {
        return QDir(m_dir->path() + u"/tmp"_s).entryList(QDir::Files | QDir::Hidden);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Responder> m_responder;
};

QTEST_GUILESS_MAIN(TestBlobFetch)
#include "tst_blobfetch.moc"
