"""Answers of documented routes, from the official docs' examples (``fixtures/rest/*.response.json``).

Keys follow the fixture names: ``METHOD_path`` with ``/`` as ``_`` and ``{param}`` as ``param``,
plus an optional ``.variant``. Source: ``tencent-connect/bot-docs`` at ``645787a`` (2025-04-21).
The REST app answers a documented route it does not model with its example from here.
"""

# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any

CANNED: dict[str, Any] = json.loads(
    r"""
{
 "DELETE_channels_channel_id_mic": {},
 "GET_channels_channel_id": {
  "application_id": "0",
  "guild_id": "xxxxxx",
  "id": "123456",
  "name": "很高兴遇见你",
  "owner_id": "0",
  "position": 2,
  "private_type": 0,
  "speak_permission": 0,
  "sub_type": 0,
  "type": 4
 },
 "GET_channels_channel_id_members_user_id_permissions": {
  "channel_id": "123456",
  "permissions": "4",
  "user_id": "112233"
 },
 "GET_channels_channel_id_messages_message_id_reactions_type_id": {
  "cookie": "1_2",
  "is_end": false,
  "users": [
   {
    "avatar": "http://thirdqq.qlogo.cn/g?b=oidb&k=T2qBkyqicopYXA5mn0lBkqA&s=0&t=1635736336",
    "id": "1158788878435714165",
    "username": "频道机器人"
   }
  ]
 },
 "GET_channels_channel_id_online_nums": {
  "online_nums": 1
 },
 "GET_channels_channel_id_pins": {
  "channel_id": "xxxxxx",
  "guild_id": "xxxxxx",
  "message_ids": [
   "xxxxx"
  ]
 },
 "GET_channels_channel_id_roles_role_id_permissions": {
  "channel_id": "123456",
  "permissions": "5",
  "role_id": "112233"
 },
 "GET_channels_channel_id_schedules": [
  {
   "creator": {
    "joined_at": "2022-01-11T10:24:13+08:00",
    "nick": "",
    "user": {
     "bot": true,
     "id": "xxxxxx",
     "username": "xxxxxx"
    }
   },
   "end_timestamp": "1642083600000",
   "id": "xxxxxx",
   "jump_channel_id": "0",
   "name": "上王者",
   "remind_type": "0",
   "start_timestamp": "1642076400000"
  }
 ],
 "GET_channels_channel_id_schedules_schedule_id": {
  "creator": {
   "joined_at": "2022-01-11T10:24:13+08:00",
   "nick": "",
   "user": {
    "bot": true,
    "id": "xxxxxx",
    "username": "xxxxxx"
   }
  },
  "end_timestamp": "1642083600000",
  "id": "112233",
  "jump_channel_id": "0",
  "name": "上王者",
  "remind_type": "0",
  "start_timestamp": "1642076400000"
 },
 "GET_channels_channel_id_threads": {
  "is_finish": 1,
  "threads": [
   {
    "author_id": "144115218680332809",
    "channel_id": "2324603",
    "guild_id": "75827011639035987",
    "thread_info": {
     "content": "{\"paragraphs\":[{\"elems\":[{\"text\":{\"text\":\"发送消息 | QQ机器人文档\"},\"type\":1}],\"props\":{}},{\"elems\":[{\"text\":{\"text\":\"• 主动消息：发送消息时，未填充msg_id 字段的消息。\"},\"type\":1}],\"props\":{}}]}",
     "date_time": "2022-02-21T12:08:57+08:00",
     "thread_id": "B_59101362700301001441152186803328090X60-1645416537",
     "title": "帖子标题1"
    }
   },
   {
    "author_id": "144115218680332809",
    "channel_id": "2324603",
    "guild_id": "75827011639035987",
    "thread_info": {
     "content": "{\"paragraphs\":[{\"elems\":[{\"text\":{\"text\":\"发送消息 | QQ机器人文档\"},\"type\":1}],\"props\":{}},{\"elems\":[{\"text\":{\"text\":\"• 主动消息：发送消息时，未填充msg_id 字段的消息。\"},\"type\":1}],\"props\":{}}]}",
     "date_time": "2022-02-21T11:22:33+08:00",
     "thread_id": "B_79051362477c03001441152186803328090X60-1645413753",
     "title": "帖子标题2"
    }
   }
  ]
 },
 "GET_channels_channel_id_threads_thread_id": {
  "thread": {
   "author_id": "144115218680332809",
   "channel_id": "2324603",
   "guild_id": "75827011639035987",
   "thread_info": {
    "content": "{\"paragraphs\":[{\"elems\":[{\"text\":{\"text\":\"发送消息 | QQ机器人文档\"},\"type\":1}],\"props\":{}},{\"elems\":[{\"text\":{\"text\":\"• 主动消息：发送消息时，未填充msg_id 字段的消息。\"},\"type\":1}],\"props\":{}}]}",
    "date_time": "2022-02-21T11:22:33+08:00",
    "thread_id": "B_79051362477c03001441152186803328090X60-1645413753",
    "title": "帖子标题"
   }
  }
 },
 "GET_gateway": {
  "url": "wss://api.sgroup.qq.com/websocket/"
 },
 "GET_gateway_bot": {
  "session_start_limit": {
   "max_concurrency": 1,
   "remaining": 999,
   "reset_after": 14400000,
   "total": 1000
  },
  "shards": 9,
  "url": "wss://api.sgroup.qq.com/websocket/"
 },
 "GET_gateway_bot.sandbox": {
  "session_start_limit": {
   "max_concurrency": 1,
   "remaining": 1000,
   "reset_after": 86400000,
   "total": 1000
  },
  "shards": 1,
  "url": "wss://sandbox.api.sgroup.qq.com/websocket"
 },
 "GET_guilds_guild_id": {
  "description": "千江有水千江月，万里无云万里天",
  "icon": "xxxxxx",
  "id": "123456",
  "joined_at": "2022-01-13T11:02:21+08:00",
  "max_members": 300,
  "member_count": 5,
  "name": "xxxxxx",
  "owner": false,
  "owner_id": "xxxxxx"
 },
 "GET_guilds_guild_id_api_permission": {
  "apis": [
   {
    "auth_status": 0,
    "desc": "获取当前频道成员信息",
    "method": "GET",
    "path": "/guilds/{guild_id}/members/{user_id}"
   },
   {
    "auth_status": 1,
    "desc": "创建消息",
    "method": "POST",
    "path": "/channels/{channel_id}/messages"
   }
  ]
 },
 "GET_guilds_guild_id_channels": [
  {
   "guild_id": "123456",
   "id": "xxxxxx",
   "name": "很高兴遇见你",
   "owner_id": "0",
   "parent_id": "0",
   "position": 2,
   "sub_type": 0,
   "type": 4
  },
  {
   "guild_id": "123456",
   "id": "xxxxxx",
   "name": "🔒管理员议事厅",
   "owner_id": "0",
   "parent_id": "xxxxxx",
   "position": 1,
   "private_type": 1,
   "sub_type": 0,
   "type": 0
  },
  {
   "guild_id": "123456",
   "id": "xxxxxx",
   "name": "🚪小黑屋",
   "owner_id": "0",
   "parent_id": "xxxxxx",
   "position": 2,
   "private_type": 0,
   "sub_type": 0,
   "type": 0
  },
  {
   "guild_id": "123456",
   "id": "xxxxxx",
   "name": "新的子频道",
   "owner_id": "0",
   "parent_id": "123456",
   "position": 2,
   "private_type": 2,
   "sub_type": 0,
   "type": 0
  }
 ],
 "GET_guilds_guild_id_members": [
  {
   "deaf": false,
   "joined_at": "2021-12-09T15:53:41+08:00",
   "mute": false,
   "nick": "",
   "pending": false,
   "roles": [
    "1"
   ],
   "user": {
    "avatar": "xxxxxx",
    "bot": false,
    "id": "xxxxxx",
    "public_flags": 0,
    "system": false,
    "union_openid": "xxxxxx",
    "union_user_account": "",
    "username": "xxxx"
   }
  },
  {
   "deaf": false,
   "joined_at": "2021-12-02T15:19:00+08:00",
   "mute": false,
   "nick": "",
   "pending": false,
   "roles": [
    "4"
   ],
   "user": {
    "avatar": "xxxxxx",
    "bot": false,
    "id": "xxxxxx",
    "public_flags": 0,
    "system": false,
    "union_openid": "xxxxxx",
    "union_user_account": "",
    "username": "秦时明月"
   }
  }
 ],
 "GET_guilds_guild_id_members_user_id": {
  "joined_at": "2021-12-05T14:08:29+08:00",
  "nick": "",
  "roles": [
   "1"
  ],
  "user": {
   "avatar": "https://qqchannel-profile-1251316161.file.myqcloud.com/xxxxxxx",
   "bot": false,
   "id": "2823701233424295228",
   "union_openid": "",
   "union_user_account": "",
   "username": "xxx"
  }
 },
 "GET_guilds_guild_id_message_setting": {
  "channel_ids": [
   "1146313",
   "2651849",
   "2651149"
  ],
  "channel_push_max_num": 12,
  "disable_create_dm": true,
  "disable_push_msg": false
 },
 "GET_guilds_guild_id_roles": {
  "guild_id": "123456",
  "role_num_limit": "30",
  "roles": [
   {
    "color": 4294927682,
    "hoist": 1,
    "id": "4",
    "member_limit": 1,
    "name": "创建者",
    "number": 1
   },
   {
    "color": 4280276644,
    "hoist": 1,
    "id": "2",
    "member_limit": 50,
    "name": "管理员",
    "number": 5
   }
  ]
 },
 "GET_guilds_guild_id_roles_role_id_members": {
  "data": [
   {
    "joined_at": "2021-11-03T20:41:36+08:00",
    "nick": "xxx",
    "user": {
     "avatar": "xxx",
     "bot": false,
     "id": "xxx",
     "username": "xxx"
    }
   }
  ],
  "next": "0"
 },
 "GET_users_@me": {
  "avatar": "https://thirdqq.qlogo.cn/g?b=oidb&k=M5TibpXicS7Jt4z89BZxiamAA&s=100&t=1641802698",
  "id": "11586990140073229091",
  "union_openid": "74F138F7F3AF68C4B8E8325013FCA295",
  "union_user_account": "",
  "username": "gitsub"
 },
 "GET_users_@me_guilds": [
  {
   "description": "123",
   "icon": "https://groupprohead-76292.picgzc.qpic.cn/482231626508223/100?t=1626508224633",
   "id": "696527283900292399",
   "joined_at": "2021-12-08T16:12:31+08:00",
   "max_members": 300,
   "member_count": 17,
   "name": "鹅们的萌宠啦咔咔啦",
   "owner": false,
   "owner_id": "4828365788198541698"
  }
 ],
 "PATCH_channels_channel_id": {
  "guild_id": "xxxxxx",
  "id": "xxxxxx",
  "name": "私密子频道a",
  "owner_id": "xxxxxx",
  "parent_id": "xxxxxx",
  "position": 2,
  "private_type": 1,
  "sub_type": 0,
  "type": 10006
 },
 "PATCH_channels_channel_id_schedules_schedule_id": {
  "creator": {
   "joined_at": "2022-01-13T11:02:21+08:00",
   "nick": "",
   "user": {
    "bot": true,
    "id": "xxxxxx",
    "username": "xxxxxx"
   }
  },
  "end_timestamp": "1642083653000",
  "id": "xxxxxx",
  "jump_channel_id": "0",
  "name": "今晚八点上王者",
  "remind_type": "0",
  "start_timestamp": "1642076453000"
 },
 "PATCH_guilds_guild_id_mute.multi_member": {
  "user_ids": [
   "1201318637970874066"
  ]
 },
 "PATCH_guilds_guild_id_roles_role_id": {
  "guild_id": "3489223429684602178",
  "role": {
   "color": 99999,
   "hoist": 1,
   "id": "10177739",
   "member_limit": 2000,
   "name": "test",
   "number": 1
  },
  "role_id": "10177739"
 },
 "POST_app_getAppAccessToken": {
  "access_token": "ACCESS_TOKEN",
  "expires_in": "7200"
 },
 "POST_channels_channel_id_announces": {
  "channel_id": "xxxxxx",
  "guild_id": "xxxxxx",
  "message_id": "xxxxxx"
 },
 "POST_channels_channel_id_audio": {},
 "POST_channels_channel_id_messages": {
  "author": {
   "avatar": "",
   "bot": true,
   "id": "xxxxxx",
   "username": "abc"
  },
  "channel_id": "xxxxxx",
  "content": "<@!1234>hello world",
  "embeds": [
   {}
  ],
  "flags": 0,
  "guild_id": "xxxxxx",
  "id": "xxxxxx",
  "mention_everyone": false,
  "pinned": false,
  "timestamp": "2021-05-13T14:45:45+08:00",
  "tts": false,
  "type": 0
 },
 "POST_channels_channel_id_messages.embed": {
  "author": {
   "avatar": "",
   "bot": true,
   "id": "xxxxxx",
   "username": "abc"
  },
  "channel_id": "xxxxxx",
  "embeds": [
   {
    "description": "",
    "fields": [
     {
      "name": "当前等级：黄金"
     },
     {
      "name": "之前等级：白银"
     },
     {
      "name": "😁继续努力"
     }
    ],
    "prompt": "xxxx",
    "thumbnail": {
     "url": "xxxxxx"
    },
    "title": "标题"
   }
  ],
  "flags": 0,
  "guild_id": "xxxxxx",
  "id": "xxxxxx",
  "mention_everyone": false,
  "pinned": false,
  "timestamp": "2021-12-07T15:24:54+08:00",
  "tts": false,
  "type": 0
 },
 "POST_channels_channel_id_messages.error_304023": {
  "code": 304023,
  "data": {
   "message_audit": {
    "audit_id": "ab9bd72f-19e8-4394-b09e-66caca0d64e4"
   }
  },
  "message": "push message is waiting for audit now"
 },
 "POST_channels_channel_id_schedules": {
  "creator": {
   "joined_at": "2022-01-11T10:24:13+08:00",
   "nick": "",
   "user": {
    "bot": true,
    "id": "xxxxxx",
    "username": "xxxxxx"
   }
  },
  "end_timestamp": "1642083600000",
  "id": "xxxxxx",
  "jump_channel_id": "0",
  "name": "上王者",
  "remind_type": "0",
  "start_timestamp": "1642076400000"
 },
 "POST_guilds_guild_id_announces": {
  "announces_type": 0,
  "channel_id": "123456",
  "guild_id": "xxxxxx",
  "message_id": "xxxxxx",
  "recommend_channels": []
 },
 "POST_guilds_guild_id_announces.recommend_channels": {
  "announces_type": 1,
  "channel_id": "xxxxx",
  "guild_id": "xxxxxx",
  "message_id": "",
  "recommend_channels": [
   {
    "channel_id": "xxxx",
    "introduce": "推荐语"
   },
   {
    "channel_id": "xxxx",
    "introduce": "推荐语"
   }
  ]
 },
 "POST_guilds_guild_id_api_permission_demand": {
  "api_identify": {
   "method": "GET",
   "path": "/guilds/{guild_id}"
  },
  "channel_id": "123456",
  "desc": "申请权限后才能正常使用机器人显示频道信息功能",
  "guild_id": "xxxxxx",
  "title": "王者机器人申请授权频道信息接口权限"
 },
 "POST_guilds_guild_id_channels": {
  "guild_id": "xxxxxx",
  "id": "xxxxxx",
  "name": "私密子频道",
  "owner_id": "xxxxxx",
  "parent_id": "123456",
  "position": 7,
  "sub_type": 0,
  "type": 1
 },
 "POST_guilds_guild_id_roles": {
  "role": {
   "color": 99999,
   "hoist": 1,
   "id": "10177739",
   "member_limit": 2000,
   "name": "test",
   "number": 0
  },
  "role_id": "10177739"
 },
 "POST_users_@me_dms": {
  "channel_id": "xxxxxx",
  "create_time": "1642545606",
  "guild_id": "xxxxxx"
 },
 "PUT_channels_channel_id_mic": {},
 "PUT_channels_channel_id_pins_message_id": {
  "channel_id": "xxxxxx",
  "guild_id": "xxxxxx",
  "message_ids": [
   "xxxxx"
  ]
 },
 "PUT_channels_channel_id_threads": {
  "create_time": "1645503180",
  "task_id": "1645413752912602306"
 }
}
"""
)
