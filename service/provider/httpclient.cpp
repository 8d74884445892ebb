#include "httpclient.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <curl/curl.h>
#include <mutex>

using namespace Qt::StringLiterals;

namespace berth::provider {

namespace {

struct Sink
{
    QByteArray *body;
    QFile *file; // instead of body when set
    qint64 limit;
    qint64 received = 0;
    bool overflow = false;
    bool writeFailed = false;
};

size_t writeBody(char *data, size_t size, size_t count, void *userData)
{
    auto *sink = static_cast<Sink *>(userData);
    const qint64 bytes = qint64(size * count);
    if (sink->received + bytes > sink->limit) {
        sink->overflow = true;
        return 0; // makes curl stop with CURLE_WRITE_ERROR
    }
    if (sink->file) {
        if (sink->file->write(data, bytes) != bytes) {
            sink->writeFailed = true;
            return 0;
        }
    } else {
        sink->body->append(data, qsizetype(bytes));
    }
    sink->received += bytes;
    return size_t(bytes);
}

size_t readFile(char *buffer, size_t size, size_t count, void *userData)
{
    auto *file = static_cast<QFile *>(userData);
    const qint64 got = file->read(buffer, qint64(size * count));
    return got < 0 ? CURL_READFUNC_ABORT : size_t(got);
}

void initCurlOnce()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

} // namespace

HttpClient::HttpClient(QString service, QString unixSocket)
    : m_service(std::move(service))
    , m_unixSocket(std::move(unixSocket))
{
    initCurlOnce();
    m_curl = curl_easy_init();
}

HttpClient::~HttpClient()
{
    if (m_curl)
        curl_easy_cleanup(static_cast<CURL *>(m_curl));
}

Result<HttpResponse> HttpClient::send(const HttpRequest &request)
{
    auto *curl = static_cast<CURL *>(m_curl);
    if (!curl)
        return Error(ErrorCode::Internal, u"libcurl could not be initialised"_s);
    curl_easy_reset(curl);

    const QByteArray url = request.url.toUtf8();
    const QByteArray socketPath = m_unixSocket.toLocal8Bit();
    curl_easy_setopt(curl, CURLOPT_URL, url.constData());
    if (!m_unixSocket.isEmpty())
        curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socketPath.constData());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.constData());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, long(request.timeoutMs));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, long(qMin(request.timeoutMs, 5000)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");

    QFile file;
    if (!request.bodyFile.isEmpty()) {
        file.setFileName(request.bodyFile);
        if (!file.open(QIODevice::ReadOnly))
            return Error(ErrorCode::IoFailed,
                         u"cannot read %1: %2"_s.arg(request.bodyFile, file.errorString()));
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, readFile);
        curl_easy_setopt(curl, CURLOPT_READDATA, &file);
        curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(file.size()));
        // CURLOPT_UPLOAD means PUT; the custom request above keeps the method.
    } else if (!request.body.isEmpty() || request.method == "POST" || request.method == "PUT" ||
               request.method == "PATCH") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.constData());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.size()));
    }

    curl_slist *headers = nullptr;
    QList<QByteArray> headerLines;
    for (const auto &[name, value] : request.headers)
        headerLines.append(name + ": " + value);
    headerLines.append(QByteArrayLiteral("Expect:")); // no 100-continue round trip
    for (const QByteArray &line : std::as_const(headerLines))
        headers = curl_slist_append(headers, line.constData());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

    HttpResponse response;
    QFile responseFile;
    if (!request.responseFile.isEmpty()) {
        responseFile.setFileName(request.responseFile);
        if (!responseFile.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            curl_slist_free_all(headers);
            return Error(
                ErrorCode::IoFailed,
                u"cannot write %1: %2"_s.arg(request.responseFile, responseFile.errorString()));
        }
    }
    Sink sink{&response.body, responseFile.isOpen() ? &responseFile : nullptr,
              request.maxResponseBytes};
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, writeBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);

    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    const bool flushed = !responseFile.isOpen() || responseFile.flush();
    responseFile.close();

    const QString where = !request.where.isEmpty() ? request.where
                          : m_unixSocket.isEmpty() ? request.url.section(u'?', 0, 0)
                                                   : m_unixSocket;
    if (sink.writeFailed || !flushed)
        return Error(ErrorCode::IoFailed,
                     u"cannot write what %1 answered (%2) to %3: %4"_s.arg(
                         m_service, where, request.responseFile, responseFile.errorString()));
    if (sink.overflow)
        return Error(ErrorCode::TooLarge,
                     u"%1 answered more than %2 bytes (%3)"_s.arg(
                         m_service, QString::number(request.maxResponseBytes), where));
    switch (code) {
    case CURLE_OK:
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return Error(ErrorCode::Unavailable,
                     u"%1 is not reachable at %2: is it running? (%3)"_s.arg(
                         m_service, where, QString::fromUtf8(curl_easy_strerror(code))));
    case CURLE_OPERATION_TIMEDOUT:
        return Error(ErrorCode::Timeout, u"%1 did not answer within %2 ms (%3 %4)"_s.arg(
                                             m_service, QString::number(request.timeoutMs),
                                             QString::fromLatin1(request.method), where));
    default:
        return Error(ErrorCode::IoFailed,
                     u"talking to %1 at %2 failed: %3"_s.arg(
                         m_service, where, QString::fromUtf8(curl_easy_strerror(code))));
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = int(status);
    return response;
}

QString httpErrorText(const HttpResponse &response)
{
    constexpr qsizetype MaxChars = 400;
    QString text;
    const QJsonDocument json = QJsonDocument::fromJson(response.body);
    if (json.isObject()) {
        const QJsonObject object = json.object();
        text = object.value("message"_L1).toString();
        if (text.isEmpty())
            text = object.value("error"_L1).toString();
    }
    if (text.isEmpty())
        text = QString::fromUtf8(response.body).trimmed();
    if (text.size() > MaxChars)
        text = text.left(MaxChars) + u"…"_s;
    return u"HTTP %1%2"_s.arg(QString::number(response.status),
                              text.isEmpty() ? QString() : u": "_s + text);
}

} // namespace berth::provider
