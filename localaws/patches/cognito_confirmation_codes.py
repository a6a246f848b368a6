"""Cognito SignUp sends a confirmation code, and ConfirmSignUp checks it.

AWS ("Signing up and confirming user accounts", Cognito developer guide; SignUp and
ConfirmSignUp in the Cognito user pools API reference): when a user pool verifies e-mail
addresses or phone numbers (``AutoVerifiedAttributes``), SignUp sends the new user a
confirmation code and answers with ``CodeDeliveryDetails``; ConfirmSignUp confirms the
user only with that code, and answers any other with ``CodeMismatchException``
("Invalid verification code provided, please try again.").

moto 5.2 makes no code and ConfirmSignUp never reads one: any code confirms, so a page
cannot show Cognito's reason for a wrong code.

The patch makes a six-digit code at SignUp when moto delivers one (it answers with
``CodeDeliveryDetails``), "sends" it as one line on stderr, the engine's log:
``[localaws] cognito: the confirmation code of <user name> in <pool id> is <code> (AWS
sends it by EMAIL to a***@e***)``, and refuses any other code at ConfirmSignUp with
AWS's error and words. Users made any other way (AdminCreateUser, a pool that verifies
nothing) confirm as moto lets them; AdminConfirmSignUp confirms without a code, as on AWS.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

from ._shared import Patching

# Where the code is kept on moto's CognitoIdpUser until ConfirmSignUp takes it.
_CODE = "_localaws_confirmation_code"


def apply(patching: Patching) -> None:
    from moto.cognitoidp.exceptions import CodeMismatchException
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.cognitoidp.responses import CognitoIdpResponse

    sign_up_saved = CognitoIdpBackend.sign_up
    confirm_saved = CognitoIdpResponse.confirm_sign_up

    def sign_up(self: Any, client_id: str, username: str, password: str,
                attributes: list[dict[str, str]]) -> Any:
        user, details = sign_up_saved(self, client_id, username, password, attributes)
        if details:
            code = f"{secrets.randbelow(10 ** 6):06d}"
            setattr(user, _CODE, code)
            print(f"[localaws] cognito: the confirmation code of {username} in {user.user_pool_id} "
                  f"is {code} (AWS sends it by {details.get('DeliveryMedium')} to "
                  f"{details.get('Destination')})", file=sys.stderr, flush=True)
        return user, details

    def confirm_sign_up(self: Any) -> Any:
        client_id = self._get_param("ClientId")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        pool = next((p for p in backend.user_pools.values() if client_id in p.clients), None)
        user = pool._get_user(self._get_param("Username")) if pool is not None else None
        wanted = getattr(user, _CODE, None)
        if wanted is not None and self._get_param("ConfirmationCode") != wanted:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        result = confirm_saved(self)
        if user is not None and wanted is not None:
            delattr(user, _CODE)
        return result

    patching.replace(CognitoIdpBackend, "sign_up", sign_up)
    patching.replace(CognitoIdpResponse, "confirm_sign_up", confirm_sign_up)
    patching.note("Cognito: SignUp sends a confirmation code (written to the log) and ConfirmSignUp "
                  "refuses any other with CodeMismatchException")
