"""ECR backed by a real registry: the repositories' URIs point at the engine's
docker-registry on 127.0.0.1, and what ECR lists is what that registry holds.

AWS behaviour copied (ECR API reference):
* ``repositoryUri`` is where ``docker push`` sends images; ``GetAuthorizationToken``'s
  ``proxyEndpoint`` is the registry to log in to. Here both name the local registry.
* ``DescribeImages``/``ListImages``/``BatchGetImage`` list the images pushed to the
  repository, with the digests the registry computed.
* ``BatchDeleteImage`` removes the image from the registry; ``DeleteRepository`` (also
  by CloudFormation with ``EmptyOnDelete``) removes the repository's images with it.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from .patches import Patching

ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])

_lock = threading.RLock()
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Registry:
    def __init__(self, host: str):
        self.host = host  # 127.0.0.1:PORT

    def _request(self, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(f"http://{self.host}{path}", method=method,
                                         headers={"Accept": ACCEPT})
        try:
            with _opener.open(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers or {}), b""

    def images(self, name: str) -> list[tuple[str, str, str, str]]:
        """(tag, digest, manifest, media type) for every tag of the repository."""
        status, _, body = self._request("GET", f"/v2/{name}/tags/list")
        if status != 200:
            return []
        tags = json.loads(body or b"{}").get("tags") or []
        found = []
        for tag in sorted(tags):
            status, headers, manifest = self._request("GET", f"/v2/{name}/manifests/{tag}")
            if status == 200:
                found.append((tag, headers.get("Docker-Content-Digest", ""),
                              manifest.decode(), headers.get("Content-Type", "")))
        return found

    def delete(self, name: str, digest: str) -> None:
        self._request("DELETE", f"/v2/{name}/manifests/{digest}")


def apply(patching: Patching, registry: Registry) -> None:
    from moto.ecr.models import ECRBackend, Image, Repository
    from moto.ecr.responses import ECRResponse

    original_init = Repository.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.uri = f"{registry.host}/{self.name}"

    patching.replace(Repository, "__init__", __init__)

    original_token = ECRResponse.get_authorization_token

    def get_authorization_token(self: Any) -> Any:
        result = original_token(self)
        data = getattr(result, "result", None)
        if not isinstance(data, dict) or "authorizationData" not in data:
            raise RuntimeError("moto's GetAuthorizationToken answer changed shape")
        for item in data["authorizationData"]:
            item["proxyEndpoint"] = f"http://{registry.host}"
        return result

    patching.replace(ECRResponse, "get_authorization_token", get_authorization_token)

    def sync(backend: Any, name: str) -> None:
        repository = backend.repositories.get(name)
        if repository is None:
            return
        known = {image.get_image_digest(): image for image in repository.images}
        images: dict[str, Any] = {}
        for tag, digest, manifest, media_type in registry.images(name):
            image = images.get(digest)
            if image is None:
                image = known.get(digest) or Image(backend.account_id, tag, manifest, name,
                                                   media_type, digest)
                image.image_tags = []
                images[digest] = image
            image.image_tags.append(tag)
            image.image_tag = image.image_tags[0]
        repository.images = list(images.values())

    def synced(method_name: str) -> None:
        original = getattr(ECRBackend, method_name)

        def wrapper(self: Any, repository_name: str, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                sync(self, repository_name)
                return original(self, repository_name, *args, **kwargs)

        wrapper.__doc__ = original.__doc__
        patching.replace(ECRBackend, method_name, wrapper)

    for name in ("list_images", "describe_images", "batch_get_image"):
        synced(name)

    original_delete_images = ECRBackend.batch_delete_image

    def batch_delete_image(self: Any, repository_name: str, registry_id: Any = None,
                           image_ids: Any = None) -> Any:
        with _lock:
            sync(self, repository_name)
            before = {i.get_image_digest() for i in self.repositories[repository_name].images}
            result = original_delete_images(self, repository_name, registry_id, image_ids)
            after = {i.get_image_digest() for i in self.repositories[repository_name].images}
            for digest in before - after:
                registry.delete(repository_name, digest)
            return result

    patching.replace(ECRBackend, "batch_delete_image", batch_delete_image)

    original_delete_repo = ECRBackend.delete_repository

    def delete_repository(self: Any, repository_name: str, registry_id: Any = None,
                          force: bool = False) -> Any:
        with _lock:
            sync(self, repository_name)
            repository = original_delete_repo(self, repository_name, registry_id, force)
            for image in repository.images:
                registry.delete(repository_name, image.get_image_digest())
            return repository

    patching.replace(ECRBackend, "delete_repository", delete_repository)
    patching.note(f"ECR: repositories live in the registry on {registry.host}")
