"""moto_server with the one gap the streamgate Terraform hits filled in.

moto 5.2 has no Application Auto Scaling ListTagsForResource (nor TagResource
or UntagResource): the call answers HTTP 500, and the AWS provider reads a
scalable target's tags after every create and refresh, so the apply of
aws_appautoscaling_target fails (after retrying for about 17 minutes unless
max_retries is small). This launcher adds the three calls over an in-memory
tag store, seeded by RegisterScalableTarget's Tags, then runs moto's own
server main. Nothing installed is edited: the methods are added to moto's
response class in this process only.

Usage: python3 moto_server.py -H 127.0.0.1 -p PORT (moto_server's options).
Start it with MOTO_IAM_LOAD_MANAGED_POLICIES=true so that AWS managed
policies (AmazonECSTaskExecutionRolePolicy) exist to attach.
"""
import json
import sys

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.server import main

_TAGS = {}  # resource ARN -> {key: value}
_register = ApplicationAutoScalingResponse.register_scalable_target


def _register_scalable_target(self):
    body = _register(self)
    tags = self._get_param("Tags") or {}
    _TAGS.setdefault(json.loads(body)["ScalableTargetARN"], {}).update(tags)
    return body


def _list_tags_for_resource(self):
    return json.dumps({"Tags": _TAGS.get(self._get_param("ResourceARN"), {})})


def _tag_resource(self):
    _TAGS.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
    return "{}"


def _untag_resource(self):
    tags = _TAGS.get(self._get_param("ResourceARN"), {})
    for key in self._get_param("TagKeys") or []:
        tags.pop(key, None)
    return "{}"


ApplicationAutoScalingResponse.register_scalable_target = _register_scalable_target
ApplicationAutoScalingResponse.list_tags_for_resource = _list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = _tag_resource
ApplicationAutoScalingResponse.untag_resource = _untag_resource

if __name__ == "__main__":
    main(sys.argv[1:])
