#include "publisher/recordskey.h"

#include <cstring>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

namespace berth::publisher {

namespace {

constexpr char Info[] = "berth publisher records v1";
constexpr qsizetype KeySize = 32;

} // namespace

crypto::SecretBytes recordsKey(const crypto::PrivateKey &key)
{
    crypto::SecretBytes out(KeySize);
    EVP_KDF *kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    EVP_KDF_CTX *context = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
    EVP_KDF_free(kdf);
    bool derived = false;
    if (context) {
        char digest[] = "SHA256";
        // OpenSSL's parameter API takes non-const pointers; it only reads them.
        auto *secret = const_cast<unsigned char *>(key.secret().data());
        char info[sizeof Info];
        std::memcpy(info, Info, sizeof Info);
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, secret,
                                              std::size_t(key.secret().size())),
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof Info - 1),
            OSSL_PARAM_construct_end()};
        derived = EVP_KDF_derive(context, out.data(), std::size_t(KeySize), params) == 1;
        EVP_KDF_CTX_free(context);
    }
    // HKDF-SHA256 is part of every OpenSSL 3 build; without it nothing could be
    // stored safely, so an empty key makes every records operation fail.
    return derived ? out : crypto::SecretBytes();
}

} // namespace berth::publisher
