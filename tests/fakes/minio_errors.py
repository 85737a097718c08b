"""MinIO's API errors, for minio_fake.py and its modules (see README.md).

Codes, messages and HTTP statuses are copied from minio/minio cmd/api-errors.go
(errorCodes, commit 7aac2a2, 2026-02-12); the keys are MinIO's ErrXxx names
without "Err".  S3 paths answer them as XML (writeErrorResponse), admin paths
as JSON (writeErrorResponseJSON), both from the APIErrorResponse struct:
Code, Message, Key?, BucketName?, Resource, Region?, RequestId, HostId.
"""

import json
from xml.sax.saxutils import escape

ERRORS = {
    # Authentication (signature-v4-parser.go, signature-v4.go, auth-handler.go)
    "AccessDenied": ("AccessDenied", 403, "Access Denied."),
    "SignatureDoesNotMatch": (
        "SignatureDoesNotMatch", 403,
        "The request signature we calculated does not match the signature you "
        "provided. Check your key and signing method."),
    "InvalidAccessKeyID": (
        "InvalidAccessKeyId", 403,
        "The Access Key Id you provided does not exist in our records."),
    "AccessKeyDisabled": (
        "InvalidAccessKeyId", 403,
        "Your account is disabled; please contact your administrator."),
    "RequestTimeTooSkewed": (
        "RequestTimeTooSkewed", 403,
        "The difference between the request time and the server's time is too large."),
    "ContentSHA256Mismatch": (
        "XAmzContentSHA256Mismatch", 400,
        "The provided 'x-amz-content-sha256' header does not match what was computed."),
    "MissingContentLength": (
        "MissingContentLength", 411, "You must provide the Content-Length HTTP header."),
    "AuthHeaderEmpty": (
        "InvalidArgument", 400,
        "Authorization header is invalid -- one and only one ' ' (space) required."),
    "SignatureVersionNotSupported": (
        "InvalidRequest", 400,
        "The authorization mechanism you have provided is not supported. "
        "Please use AWS4-HMAC-SHA256."),
    "MissingFields": ("MissingFields", 400, "Missing fields in request."),
    "MissingCredTag": ("InvalidRequest", 400, "Missing Credential field for this request."),
    "MissingSignHeadersTag": (
        "InvalidArgument", 400, "Signature header missing SignedHeaders field."),
    "MissingSignTag": ("AccessDenied", 400, "Signature header missing Signature field."),
    "CredMalformed": (
        "AuthorizationQueryParametersError", 400,
        "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; "
        "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    "MalformedCredentialDate": (
        "AuthorizationQueryParametersError", 400,
        "Error parsing the X-Amz-Credential parameter; incorrect date format. This date "
        "in the credential must be in the format \"yyyyMMdd\"."),
    "InvalidServiceS3": (
        "AuthorizationParametersError", 400,
        "Error parsing the Credential/X-Amz-Credential parameter; incorrect service. "
        "This endpoint belongs to \"s3\"."),
    "InvalidRequestVersion": (
        "AuthorizationQueryParametersError", 400,
        "Error parsing the X-Amz-Credential parameter; incorrect terminal. This endpoint "
        "uses \"aws4_request\"."),
    # writeErrorResponse rewrites the message with the server's region.
    "AuthorizationHeaderMalformed": (
        "AuthorizationHeaderMalformed", 400,
        "The authorization header is malformed; the region is wrong; expecting '%(region)s'."),
    "MissingDateHeader": (
        "AccessDenied", 400, "AWS authentication requires a valid Date or x-amz-date header"),
    "MalformedDate": (
        "MalformedDate", 400,
        "Invalid date format header, expected to be in ISO8601, RFC1123 or RFC1123Z "
        "time format."),
    "UnsignedHeaders": (
        "AccessDenied", 400, "There were headers present in the request which were not signed"),
    "InvalidDigest": ("InvalidDigest", 400, "The Content-Md5 you specified is not valid."),
    "BadDigest": ("BadDigest", 400, "The Content-Md5 you specified did not match what we received."),
    # Not a MinIO error: the header that AWS S3 requires (MinIO defaults it).
    "MissingSecurityHeader": (
        "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256"),
    # S3
    "InvalidBucketName": ("InvalidBucketName", 400, "The specified bucket is not valid."),
    "AllAccessDisabled": (
        "AllAccessDisabled", 403, "All access to this resource has been disabled."),
    "BucketAlreadyOwnedByYou": (
        "BucketAlreadyOwnedByYou", 409,
        "Your previous request to create the named bucket succeeded and you already own it."),
    "BucketAlreadyExists": (
        "BucketAlreadyExists", 409,
        "The requested bucket name is not available. The bucket namespace is shared by all "
        "users of the system. Please select a different name and try again."),
    "BucketNotEmpty": ("BucketNotEmpty", 409, "The bucket you tried to delete is not empty"),
    "NoSuchBucket": ("NoSuchBucket", 404, "The specified bucket does not exist"),
    "NoSuchKey": ("NoSuchKey", 404, "The specified key does not exist."),
    "InvalidObjectName": (
        "XMinioInvalidObjectName", 400, "Object name contains unsupported characters."),
    "MalformedXML": (
        "MalformedXML", 400,
        "The XML you provided was not well-formed or did not validate against our "
        "published schema."),
    "InvalidRegion": ("InvalidRegion", 400, "Region does not match; expecting '%(region)s'."),
    "BadRequest": ("BadRequest", 400, "An unsupported API call for method: %(method)s at '%(path)s'"),
    "NotImplemented": (
        "NotImplemented", 501,
        "A header you provided implies functionality that is not implemented"),
    "InvalidArgument": ("InvalidArgument", 400, "Invalid argument"),
    "AdminBucketQuotaExceeded": (
        "XMinioAdminBucketQuotaExceeded", 400, "Bucket quota exceeded"),
    "InternalError": (
        "InternalError", 500, "We encountered an internal error, please try again."),
    "ServerNotInitialized": (
        "XMinioServerNotInitialized", 503, "Server not initialized yet, please try again."),
    # Admin (admin-handlers-users.go, admin-handler-utils.go toAdminAPIErr)
    "AdminVersionMismatch": ("XMinioAdminVersionMismatch", 426, "%(desc)s"),
    "AdminNoSuchUser": ("XMinioAdminNoSuchUser", 404, "The specified user does not exist."),
    "AdminNoSuchGroup": ("XMinioAdminNoSuchGroup", 404, "The specified group does not exist."),
    "AdminBadContentType": ("BadRequest", 400, "400 BadRequest"),
    "AdminNoSuchPolicy": ("XMinioAdminNoSuchPolicy", 404, "The canned policy does not exist."),
    "AdminInvalidArgument": ("XMinioAdminInvalidArgument", 400, "Invalid arguments specified."),
    "AdminConfigBadJSON": (
        "XMinioAdminConfigBadJSON", 400, "JSON configuration provided is of incorrect format"),
    "AdminConfigTooLarge": (
        "XMinioAdminConfigTooLarge", 400,
        "Configuration data provided exceeds the allowed maximum of 262272 bytes"),
    "AddUserInvalidArgument": (
        "XMinioInvalidIAMCredentials", 403,
        "Credential is not allowed to be same as admin access key"),
    "AdminResourceInvalidArgument": (
        "XMinioInvalidResource", 400,
        "Policy, user or group names are not allowed to begin or end with space characters"),
    "AdminInvalidAccessKey": ("XMinioAdminInvalidAccessKey", 400, "The access key is invalid."),
    "AdminInvalidSecretKey": ("XMinioAdminInvalidSecretKey", 400, "The secret key is invalid."),
    "AdminPolicyChangeAlreadyApplied": (
        "XMinioAdminPolicyChangeAlreadyApplied", 400,
        "The specified policy change is already in effect."),
    "IAMActionNotAllowed": (
        "XMinioIAMActionNotAllowed", 403,
        "Specified IAM action is not allowed"),
    "IAMPolicyInUse": (
        "XMinioIAMPolicyInUse", 400, "The policy cannot be removed, as it is in use"),
    "PolicyInvalidName": ("PolicyInvalidName", 400, "Policy name may not contain comma"),
    "PolicyInvalidVersion": (
        "MalformedPolicy", 400, "The policy must contain a valid version string"),
    "MalformedIAMPolicy": ("XMinioMalformedIAMPolicy", 400, "%(desc)s"),
    "EntityTooLarge": (
        "EntityTooLarge", 400,
        "Your proposed upload exceeds the maximum allowed object size."),
}


class MinioError(Exception):
    """An error answered as MinIO does.  fmt fills %(...)s in the message;
    extra is appended as "Message (extra)" like errorCodes.ToAPIErrWithErr;
    xml forces the XML form (MinIO's middleware answers XML on any path)."""

    def __init__(self, key, extra=None, xml=None, bucket=None, key_name=None, **fmt):
        code, status, msg = ERRORS[key]
        super().__init__(key)
        self.key, self.code, self.status = key, code, status
        self.message = msg % fmt if fmt else msg
        if extra:
            self.message = "%s (%s)" % (self.message, extra)
        self.xml, self.bucket, self.key_name = xml, bucket, key_name

    def body(self, as_xml, resource, region, request_id):
        fields = [("Code", self.code), ("Message", self.message)]
        if self.key_name:
            fields.append(("Key", self.key_name))
        if self.bucket:
            fields.append(("BucketName", self.bucket))
        fields.append(("Resource", resource))
        if region:
            fields.append(("Region", region))
        fields += [("RequestId", request_id), ("HostId", "dd9025bab4ad464b049177c95eb6ebf374d3b3fd1af9251148b658df7ac2e3e8")]
        if not as_xml:
            return json.dumps(dict(fields)).encode(), "application/json"
        x = "".join("<%s>%s</%s>" % (k, escape(v), k) for k, v in fields)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>%s</Error>' % x).encode(), \
            "application/xml"
