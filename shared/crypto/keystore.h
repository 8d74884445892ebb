#pragma once

#include "core/result.h"
#include "crypto/address.h"
#include "crypto/kdfparams.h"
#include "crypto/keystorefile.h"
#include "crypto/privatekey.h"
#include "crypto/secretbytes.h"

#include <QByteArray>
#include <QByteArrayView>

namespace berth::crypto {

// Web3 Secret Storage version 3 keystores (the JSON key files of geth, Foundry,
// MetaMask exports): scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, Keccak MAC.
// Every entry point bounds its work so a hostile file cannot exhaust memory/CPU.
// decrypt and encrypt block for as long as the KDF runs (about a second and
// 256 MiB with standard settings): call them off the GUI/event-loop thread.
class Keystore
{
public:
    static constexpr qsizetype MaxFileSize = 64 * 1024;
    static constexpr qsizetype MaxSaltSize = 1024;

    // Checks structure and bounds only: no password, no key derivation.
    static Result<KeystoreFile> parse(QByteArrayView json);
    // The "address" field, without decrypting (NotFound when the file has none).
    static Result<Address> peekAddress(QByteArrayView json);
    // AuthFailed on a wrong password; the MAC is checked before anything is decrypted.
    static Result<PrivateKey> decrypt(QByteArrayView json, const SecretBytes &password);
    static Result<PrivateKey> decrypt(const KeystoreFile &file, const SecretBytes &password);
    // Indented JSON with a random salt, iv and v4 UUID, and the lowercase address
    // without 0x (as geth writes it).
    static Result<QByteArray> encrypt(const PrivateKey &key, const SecretBytes &password,
                                      const KdfParams &params = KdfParams::standard());
    // encrypt with a given salt, iv and id: reproduces published test vectors.
    // Never reuse a salt or iv for real keys; use encrypt.
    static Result<QByteArray> encryptWith(const PrivateKey &key, const SecretBytes &password,
                                          const KdfParams &params, QByteArrayView salt,
                                          QByteArrayView iv, const QString &id);
};

} // namespace berth::crypto
