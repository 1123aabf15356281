"""PHP clients as they exist in the wild (clients.md §5.4): SoapClient in WSDL mode with the
stdClass wrapper that leaves out Validity and DelayUntilUtc, and the hand-written cURL-style
client that reads `xml_parse_into_struct()` results by index. Skipped only when `php` is not
installed (Debian: `apt-get install php-cli php-soap php-xml`)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.soap_support import FAULT_PREFIX

PHP = shutil.which("php")
pytestmark = pytest.mark.skipif(PHP is None, reason="php is not installed")

SOAP_CLIENT = r"""<?php
$version = $argv[2] === '1.2' ? SOAP_1_2 : SOAP_1_1;
$client = new SoapClient($argv[1] . '/SmsService.asmx?WSDL',
    array('trace' => 1, 'exceptions' => 1, 'cache_wsdl' => WSDL_CACHE_NONE, 'soap_version' => $version));
$data = new stdClass();
$data->login = 'test_login';
$data->password = 'test123';
$session = $client->GetSessionID($data);

$message = new stdClass();
$message->Data = 'hello from php';
$message->DestinationAddresses = array('89161234567', '89161234568');
$message->SourceAddress = 'DEVINO';
$message->ReceiptRequested = false;
$send = new stdClass();
$send->message = $message;
$send->sessionID = $session->GetSessionIDResult;
$sent = $client->SendMessage($send);
$request = $client->__getLastRequest();
$ids = $sent->SendMessageResult->string;

$state = $client->GetMessageState(array('sessionID' => $session->GetSessionIDResult, 'messageID' => $ids[0]));
$balance = $client->GetBalance(array('sessionID' => $session->GetSessionIDResult));
try {
    $client->GetSessionID(array('login' => 'test_login', 'password' => 'wrong'));
    $fault = null;
} catch (SoapFault $f) {
    $fault = array('message' => $f->getMessage(), 'code' => $f->faultcode);
}
echo json_encode(array(
    'ids' => $ids, 'request' => $request, 'state' => $state->GetMessageStateResult->State,
    'description' => $state->GetMessageStateResult->StateDescription,
    'balance' => $balance->GetBalanceResult, 'fault' => $fault,
    'functions' => $client->__getFunctions()));
"""

INDEX_CLIENT = r"""<?php
function post($url, $action, $xml) {
    $context = stream_context_create(array('http' => array('method' => 'POST', 'timeout' => 10,
        'ignore_errors' => true, 'header' => "Content-Type: text/xml; charset=utf-8\r\nSOAPAction: $action\r\n",
        'content' => $xml)));
    $p = xml_parser_create();
    xml_parse_into_struct($p, file_get_contents($url, false, $context), $results);
    xml_parser_free($p);
    return $results;
}
$head = '<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://
www.w3.org/2001/XMLSchema" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>';
$tail = '</soap:Body></soap:Envelope>';
$url = $argv[1] . '/SmsService.asmx';
$results = post($url, 'http://ws.devinosms.com/GetSessionID', $head .
    '<GetSessionID xmlns="http://ws.devinosms.com"><login>test_login</login>' .
    '<password>test123</password></GetSessionID>' . $tail);
$session = $results[3]['value'];
$results = post($url, 'http://ws.devinosms.com/SendMessage', $head . '<SendMessage xmlns="http://ws.devinosms.com">
    <sessionID>' . $session . '</sessionID><message><Data>hi</Data>
    <DestinationAddresses><string>79161234567</string><string>79161234568</string></DestinationAddresses>
    <SourceAddress>DEVINO</SourceAddress><ReceiptRequested>true</ReceiptRequested></message></SendMessage>' . $tail);
$ids = array($results[4]['value'], $results[5]['value']);
$results = post($url, 'http://ws.devinosms.com/GetMessageState', $head .
    '<GetMessageState xmlns="http://ws.devinosms.com">
    <sessionID>' . $session . '</sessionID><messageID>' . $ids[0] . '</messageID></GetMessageState>' . $tail);
$state = $results[4]['value'];
$results = post($url, 'http://ws.devinosms.com/GetBalance', $head . '<GetBalance xmlns="http://ws.devinosms.com">
    <sessionID>' . $session . '</sessionID></GetBalance>' . $tail);
echo json_encode(array('session' => $session, 'ids' => $ids, 'state' => $state, 'balance' => $results[3]['value']));
"""


def run_php(tmp_path, source: str, *args: str) -> dict:
    script = tmp_path / "client.php"
    script.write_text(source)
    done = subprocess.run([PHP, "-d", "default_socket_timeout=10", str(script), *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def test_php_has_the_extensions_the_clients_need():
    probe = "echo json_encode(array(extension_loaded('soap'), function_exists('xml_parse_into_struct')));"
    done = subprocess.run([PHP, "-r", probe], capture_output=True, text=True, timeout=30)
    assert json.loads(done.stdout) == [True, True], "install php-soap and php-xml"


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_php_soap_client_in_wsdl_mode(devino_mock, tmp_path, version):
    out = run_php(tmp_path, SOAP_CLIENT, devino_mock.url, version)
    assert len(out["ids"]) == 2
    assert [m["destination"] for m in devino_mock.messages(transport="soap")] == ["79161234567", "79161234568"]
    assert "<ns1:Validity>" not in out["request"] and "ReceiptRequested>false<" in out["request"]
    assert (out["state"], out["description"], out["balance"]) == (-2, "Сообщение отправляется", "998.00")
    assert out["fault"]["message"] == FAULT_PREFIX + "Invalid user login or password"
    assert out["fault"]["code"] == ("soap:Receiver" if version == "1.2" else "soap:Server")
    assert any("GetIncomingMessages" in f for f in out["functions"])


def test_hand_written_client_reading_results_by_index(devino_mock, tmp_path):
    out = run_php(tmp_path, INDEX_CLIENT, devino_mock.url)
    assert len(out["session"]) == 36
    assert [m["ids"][0] for m in devino_mock.messages()] == out["ids"]
    assert (out["state"], out["balance"]) == ("-2", "998.00")
